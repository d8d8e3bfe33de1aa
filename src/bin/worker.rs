//! The worker binary: owns dropped files, parses them with the core, answers the UI.
//! All logic lives in `leakloupe::worker`.
fn main() {
    leakloupe::start_worker();
}
