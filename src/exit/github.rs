//! `github-release` errors as exit statuses and hints: bad input and GitHub's refusals
//! (token, permission, repository, immutable release, a conflicting asset) 2, a digest that
//! does not match 1, GitHub failing or rate limits outlasting the bound 3, local files 4.

use super::{ExitStatus, Failure};
use crate::publish::github::GithubError;

impl From<GithubError> for Failure {
    fn from(e: GithubError) -> Self {
        let text = e.to_string();
        let usage = |hint: &str| Failure::usage(text.clone()).with_hint(hint);
        let service = |hint: &str| {
            Failure::usage(text.clone())
                .with_status(ExitStatus::Service)
                .with_hint(hint)
        };
        match &e {
            GithubError::NoToken => usage(
                "in GitHub Actions pass the job's token: `env: GITHUB_TOKEN: ${{ github.token }}` with `permissions: contents: write`; elsewhere export a token with Contents: write on the repository",
            ),
            GithubError::BadRepository(_) | GithubError::NoRepository => {
                usage("e.g. --repository octo-org/demo-pkg")
            }
            GithubError::BadUrl { .. } => {
                usage("give the API's base URL, e.g. --api-url https://api.github.com")
            }
            GithubError::BadTag(_) => usage("give the release tag, e.g. --tag v1.2.3"),
            GithubError::Notes(n) if n.is_io() => Failure::local_io(text.clone())
                .with_hint("check the path and permissions of --notes-from"),
            GithubError::Notes(_) => usage(
                "add the section to the changelog (Keep a Changelog: `## [1.2.3] - 2026-12-01`), or leave out --notes-from to use GitHub's generated notes",
            ),
            GithubError::Discover(_) => usage("name existing files, e.g. --assets 'dist/*'"),
            GithubError::ReadAsset { .. } => Failure::local_io(text.clone())
                .with_hint("nothing more was sent; check the file and run again"),
            GithubError::DuplicateName(_) => {
                usage("rename one of them, or name each file once")
            }
            GithubError::Unauthorized { .. } => usage(
                "the token is invalid or expired: pass a current one in GITHUB_TOKEN (the job's `${{ github.token }}` in GitHub Actions)",
            ),
            GithubError::NoPermission { .. } => usage(
                "the token may not write releases. With GITHUB_TOKEN the job needs `permissions: contents: write`; a fine-grained token needs \"Contents: read and write\". A release on a commit that changes .github/workflows/ also needs workflow write, which GITHUB_TOKEN cannot have",
            ),
            GithubError::NotFound { .. } => usage(
                "check the repository name (--repository OWNER/REPO), and that the token can see it: GITHUB_TOKEN only reaches its own repository; a fine-grained token must include the repository. Creating a release on a commit that changes .github/workflows/ needs workflow write, which GITHUB_TOKEN cannot have: GitHub answers 404 or 403",
            ),
            GithubError::Immutable { .. } => usage(
                "the repository has immutable releases and this release is published: its assets can no longer be added or changed, and its tag cannot be reused. Release a new version (a new tag); chora publishes only after every asset is in, so re-running on a draft works",
            ),
            GithubError::AssetConflict { .. } => usage(
                "nothing was changed on the release: pass --replace-assets to replace it with this file, or check why the build differs",
            ),
            GithubError::DigestMismatch { .. } => Failure::usage(text.clone())
                .with_status(ExitStatus::Problem)
                .with_hint(
                    "the release was left a draft: check the upload path (a proxy?), then re-run with --replace-assets",
                ),
            GithubError::RateLimited { .. } => service(
                "GITHUB_TOKEN allows 1,000 requests an hour per repository: re-run after the reset time (re-running completes the same draft)",
            ),
            GithubError::Refused { .. } => {
                service("see GitHub's message; re-running completes the same release")
            }
            GithubError::Server { .. } | GithubError::Transport { .. } | GithubError::BadReply { .. } => {
                service("re-run: an existing draft and its assets are found and completed, never duplicated")
            }
        }
    }
}
