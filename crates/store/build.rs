// Migrations are embedded by `sqlx::migrate!`; a new file there must rebuild this crate.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
