//! Print the reStructuredText problems `wheelfix check` finds in each file given, one per
//! line as `FILE: line N: LEVEL: message` (a debugging aid for comparing with docutils).

#![allow(clippy::print_stdout)]

fn main() -> std::io::Result<()> {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        for problem in wheelfix_check::rst::check(&text) {
            println!("{path}: {problem}");
        }
    }
    Ok(())
}
