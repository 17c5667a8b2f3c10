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
mod histories;
pub(crate) mod paths;
mod records;
mod request;
pub mod upload;

pub use completions::{prepare_completion, PreparedCompletion};
pub use upload::detect_content_type;

use paths::PathFamily;

/// A FastGPT client: configuration, connection pool and the remembered path family.
pub struct Client {
    http: Http,
    /// For `api_paths: "auto"`: the family the first envelope answer came from.
    family: PathFamily,
}

impl Client {
    /// Creates a client from validated options (no request is sent).
    pub fn new(opts: Options) -> Result<Client, Error> {
        let opts = Arc::new(opts);
        let family = PathFamily::new(opts.api_paths);
        Ok(Client {
            http: Http::new(opts)?,
            family,
        })
    }

    /// The options the client was created with.
    pub fn options(&self) -> &Options {
        &self.http.opts
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }
}
