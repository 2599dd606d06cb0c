namespace ModelScout.Evaluation.Sandbox;

/// <summary>
/// The python program that starts every candidate: it sets the resource limits on itself (inherited by anything the
/// candidate manages to start), disables the obvious process and network entry points, and then runs the candidate
/// as <c>__main__</c>. The python-level guards are a speed bump, not a wall: ctypes or <c>_socket</c> get around them,
/// which is why the namespaces and the unprivileged user come first where the machine allows them.
/// </summary>
internal static class SandboxLauncher
{
    public const string FileName = "scout_launcher.py";

    public const string ProgramFileName = "program.py";

    /// <summary>argv: program cpu_seconds memory_bytes file_size_bytes max_processes block_network(0|1).</summary>
    public const string Source = """
        import resource
        import sys


        def set_limit(kind, value, grace=0):
            if value <= 0:
                return
            soft, hard = resource.getrlimit(kind)
            limit = value + grace
            if hard != resource.RLIM_INFINITY and hard < limit:
                limit = hard
            resource.setrlimit(kind, (min(value, limit), limit))


        def refuse(name):
            def refused(*args, **kwargs):
                raise PermissionError(name + " is disabled in the ModelScout sandbox")
            return refused


        def guard(block_network):
            import os
            import posix
            import subprocess
            names = [
                "fork", "forkpty", "system", "popen", "kill", "killpg", "setsid", "setpgid",
                "execv", "execve", "execvp", "execvpe", "execl", "execle", "execlp", "execlpe",
                "spawnv", "spawnve", "spawnvp", "spawnvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
                "posix_spawn", "posix_spawnp",
            ]
            for module in (os, posix):
                for name in names:
                    if hasattr(module, name):
                        setattr(module, name, refuse("os." + name))
            subprocess.Popen = refuse("subprocess.Popen")
            if block_network:
                import socket
                socket.socket = refuse("socket.socket")
                socket.create_connection = refuse("socket.create_connection")
                socket.socketpair = refuse("socket.socketpair")


        def main():
            program = sys.argv[1]
            cpu, memory, file_size, processes = (int(x) for x in sys.argv[2:6])
            block_network = sys.argv[6] == "1"
            # A second of grace between SIGXCPU (soft) and SIGKILL (hard) lets the outcome say which limit it was.
            set_limit(resource.RLIMIT_CPU, cpu, 1)
            set_limit(resource.RLIMIT_AS, memory)
            set_limit(resource.RLIMIT_FSIZE, file_size)
            set_limit(resource.RLIMIT_NPROC, processes)
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            with open(program, encoding="utf-8") as f:
                source = f.read()
            code = compile(source, program, "exec")
            guard(block_network)
            sys.argv = [program]
            scope = {"__name__": "__main__", "__file__": program, "__builtins__": __builtins__}
            exec(code, scope)


        main()
        """;
}
