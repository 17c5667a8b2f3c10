using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace FastGpt.Tests
{
    /// <summary>The dev server, tied to this process through its stdin
    /// (--exit-on-stdin-eof): closing stdin stops it.</summary>
    public sealed class DevServer : IDisposable
    {
        public const string ApiKey = "fastgpt-dev-key";
        private readonly Process _process;
        public string Url { get; private set; }

        private DevServer(Process p, string url) { _process = p; Url = url; }

        public static DevServer Start(string path)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException("dev server not found (build it with cargo build --release --workspace)", path);
            var psi = new ProcessStartInfo(path, "--chunk-delay-ms 0 --exit-on-stdin-eof")
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            Process p = Process.Start(psi);
            Task<string> line = p.StandardOutput.ReadLineAsync();
            if (!line.Wait(10000) || line.Result == null || !line.Result.StartsWith("listening on ", StringComparison.Ordinal))
            {
                try { p.Kill(); } catch (InvalidOperationException) { }
                throw new InvalidOperationException("dev server did not report its URL");
            }
            return new DevServer(p, line.Result.Substring("listening on ".Length).Trim());
        }

        public void Dispose()
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(5000))
            {
                try { _process.Kill(); } catch (InvalidOperationException) { }
            }
            _process.Dispose();
        }
    }
}
