import Glibc

// `tterminal-bench`: dispatch only. Roles other than `ring` are the child processes the
// benchmark (and ShmRingTests' cross-process test) spawn.
let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))

switch arguments.command {
case "ring":
    RingBenchmark(arguments).run()
case "writer":
    WriterRole(arguments).run()
case "reader":
    ReaderRole(arguments).run()
case "ping-child":
    PingChild(arguments).run()
default:
    print("""
    usage: tterminal-bench ring [--records N] [--readers N] [--ring-mib N] [--samples N] [--interval-us N] [--json]
           tterminal-bench writer --records N [--max-length N]   (segment at fd 3)
    """)
    exit(2)
}
