//! The job queue: message formats ([`message`]) and SQS ([`sqs`]).

pub mod message;
pub mod sqs;
