//! The main-thread binary: mounts the Yew UI. All logic lives in the `leakloupe` library.
fn main() {
    leakloupe::start_app();
}
