//! The `sendercheck` binary: everything lives in the library; this only runs the command line.

/// mimalloc instead of glibc's allocator: checks allocate many small strings on every worker
/// thread, and `perf` showed glibc's malloc/free at over a fifth of a bulk check's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sendercheck::cli::main()
}
