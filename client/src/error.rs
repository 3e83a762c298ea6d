//! What can go wrong talking to the chain, in terms a tenant or provider can act on.

use subxt::error::{DispatchError, TransactionEventsError, TransactionFinalizedSuccessError};

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
	/// The node could not be reached.
	#[error(
		"cannot reach a Nubes node at {url}: {reason} (is it running? pass --url or NUBES_URL)"
	)]
	Unreachable {
		/// The URL tried.
		url: String,
		/// What the connection said.
		reason: String,
	},
	/// The call was refused by a pallet with one of its named errors.
	#[error("{pallet}::{error}: {docs}")]
	Module {
		/// The pallet, e.g. `Market`.
		pallet: String,
		/// The error's name, e.g. `UnknownLease`.
		error: String,
		/// The error's documentation.
		docs: String,
	},
	/// The call failed for a reason outside any pallet (bad origin, arithmetic, tokens).
	#[error("the transaction failed: {0}")]
	Dispatch(String),
	/// The transaction never made it into a finalized block (invalid, dropped, too poor to pay).
	#[error("the transaction was not included: {0}")]
	NotIncluded(String),
	/// A JSON-RPC call failed.
	#[error("{method} failed: {reason}")]
	Rpc {
		/// The method.
		method: String,
		/// Why.
		reason: String,
	},
	/// Input that cannot be used: an address, an amount, a spec.
	#[error("{0}")]
	BadInput(String),
	/// A key that cannot be used; the message never contains the secret.
	#[error("{0}")]
	BadKey(String),
	/// A provider's agent could not be reached or did not answer sensibly.
	#[error("cannot talk to the provider's agent at {url}: {reason}")]
	Agent {
		/// The URL tried.
		url: String,
		/// What went wrong.
		reason: String,
	},
	/// A provider's agent refused a request.
	#[error("the provider's agent refused ({status}) at {url}: {reason}")]
	AgentRefused {
		/// The URL.
		url: String,
		/// The HTTP status.
		status: u16,
		/// The agent's explanation.
		reason: String,
	},
	/// Anything else subxt reports.
	#[error("{0}")]
	Subxt(String),
}

impl ClientError {
	/// `(pallet, error)` if a pallet refused the call.
	pub fn module(&self) -> Option<(&str, &str)> {
		match self {
			Self::Module { pallet, error, .. } => Some((pallet, error)),
			_ => None,
		}
	}

	/// Any subxt failure, as text.
	pub fn subxt(error: impl std::fmt::Display) -> Self {
		Self::Subxt(error.to_string())
	}
}

impl From<DispatchError> for ClientError {
	fn from(error: DispatchError) -> Self {
		match &error {
			DispatchError::Module(module) => match module.details() {
				Ok(details) => Self::Module {
					pallet: details.pallet.name().to_string(),
					error: details.variant.name.clone(),
					docs: details.variant.docs.join(" ").trim().to_string(),
				},
				Err(_) => Self::Dispatch(module.details_string()),
			},
			other => Self::Dispatch(other.to_string()),
		}
	}
}

impl From<TransactionFinalizedSuccessError> for ClientError {
	fn from(error: TransactionFinalizedSuccessError) -> Self {
		match error {
			TransactionFinalizedSuccessError::SuccessError(
				TransactionEventsError::ExtrinsicFailed(dispatch),
			) => dispatch.into(),
			TransactionFinalizedSuccessError::FinalizationError(e) => {
				Self::NotIncluded(e.to_string())
			}
			other => Self::subxt(other),
		}
	}
}
