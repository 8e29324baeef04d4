//! Pre-publish checks over a batch of distributions.
