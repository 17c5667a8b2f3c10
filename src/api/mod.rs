//! The safe API: the [`Client`] and every endpoint call of the contract (§4, §5), one module
//! per endpoint group.

use std::sync::Arc;

use crate::error::Error;
use crate::http::Http;
use crate::options::Options;

mod app_logs;
pub(crate) mod args;
pub(crate) mod body;
pub mod completions;
mod feedback;
mod files;
mod histories;
pub(crate) mod paths;
mod records;
mod request;
pub mod resume;
pub mod upload;

pub use completions::{prepare_completion, PreparedCompletion};
pub use resume::ResumeStream;
pub use upload::detect_content_type;

use paths::PathMemory;

/// A FastGPT client: configuration, connection pool and, per function with two paths, the
/// path that answered.
pub struct Client {
    http: Http,
    /// For `api_paths: "auto"`: per function, the path the first envelope answer came from.
    paths: PathMemory,
}

impl Client {
    /// Creates a client from validated options (no request is sent).
    pub fn new(opts: Options) -> Result<Client, Error> {
        let opts = Arc::new(opts);
        let paths = PathMemory::new(opts.api_paths);
        Ok(Client {
            http: Http::new(opts)?,
            paths,
        })
    }

    /// The options the client was created with.
    pub fn options(&self) -> &Options {
        &self.http.opts
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    pub(crate) fn paths(&self) -> &PathMemory {
        &self.paths
    }

    /// What `api_paths: "auto"` has learnt: for each function with two paths (named by its
    /// current path), `"current"` or `"legacy"` once one answered with an envelope.
    pub fn remembered_paths(&self) -> Vec<(&'static str, Option<&'static str>)> {
        self.paths.learnt()
    }
}
