//! The `chora-publish` runtime, as stages over plain data: [`plan`] (discover and vet the
//! distributions) -> [`auth`] (credentials: a token, or Trusted Publishing) -> [`index`] (what
//! the index already has; the 14-day rule) -> [`batch`] (upload with retries) -> [`report`];
//! then the minted token is burned ([`auth::burn`]). Nothing here prints or parses arguments:
//! the stages tell the command layer what happens through [`events::Observer`].

pub mod auth;
pub mod batch;
pub mod claims;
pub mod credentials;
pub mod discover;
pub mod dist;
pub mod events;
pub mod exchange;
pub mod explain;
pub mod github;
pub mod http;
pub mod index;
pub mod ledger;
pub mod plan;
pub mod receipt;
pub mod report;
pub mod retry;
pub mod smoke;
pub mod upload;
pub mod vet;
