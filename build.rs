// embed_migrations! notices edits to existing migrations but not new folders.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
