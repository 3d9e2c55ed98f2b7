//! What the portal asks of the lab beyond reading it: the registrar's DS
//! form, a trainee's reset, the lab's health. The CLI implements this
//! with the same code as `dnslab ds submit`, `ds withdraw`, `reset` and
//! `status`, so the web and the terminal validate and act alike, and this
//! crate needs no backend of its own.
//!
//! The calls block (they re-sign the TLD and wait until it serves the
//! change): the web runs them on tokio's blocking pool.

/// The lab's actions, as the CLI's commands do them.
pub trait LabOps: Send + Sync + 'static {
    /// `dnslab ds submit`: `text` holds DS records, or DNSKEY records whose
    /// DS (SHA-256) is submitted; what `ds submit` refuses is refused with
    /// the same message. Returns the DS records now at the parent, as text.
    fn submit_ds(&self, trainee: &str, text: &str) -> Result<Vec<String>, String>;
    /// `dnslab ds withdraw`.
    fn withdraw_ds(&self, trainee: &str) -> Result<(), String>;
    /// Waits until the trainee's server serves the zone whose apex SOA and
    /// RRSIGs over it are `apex_soa` (rdata): `Some(true)` once it does,
    /// `Some(false)` when it did not in time, `None` when the lab is down.
    fn wait_zone_served(&self, trainee: &str, apex_soa: &[Vec<u8>]) -> Option<bool>;
    /// `dnslab reset`.
    fn reset(&self, trainee: &str) -> Result<(), String>;
    /// `dnslab status --format json`.
    fn status(&self) -> Result<serde_json::Value, String>;
    /// Why grading cannot run now (the lab is down), if it cannot.
    fn down(&self) -> Option<String>;
}
