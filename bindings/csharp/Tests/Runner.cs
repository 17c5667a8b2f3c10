// A minimal test runner (no xunit under Mono): every method marked [Test] in this assembly
// is a test. Prints PASS/FAIL per test and "N passed, N failed"; exit code 1 on failure.
//
//   mono FastGpt.Tests.exe [--devserver PATH] [name-substring ...]
//
// The dev server is started once (PATH, else $FASTGPT_DEVSERVER, else
// ../../target/release/fastgpt-devserver) with --chunk-delay-ms 0 --exit-on-stdin-eof.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Reflection;
using System.Threading;

namespace FastGpt.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestAttribute : Attribute { }

    public sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message) { }
    }

    public static class Assert
    {
        public static void True(bool condition, string message)
        {
            if (!condition) throw new AssertionException(message);
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionException(what + ": expected <" + Show(expected) + "> but got <" + Show(actual) + ">");
        }

        public static void Null(object actual, string what)
        {
            if (actual != null) throw new AssertionException(what + ": expected null but got <" + Show(actual) + ">");
        }

        public static void NotNull(object actual, string what)
        {
            if (actual == null) throw new AssertionException(what + ": expected a value but got null");
        }

        public static void Contains(string needle, string haystack, string what)
        {
            if (haystack == null || haystack.IndexOf(needle, StringComparison.Ordinal) < 0)
                throw new AssertionException(what + ": <" + Show(haystack) + "> does not contain <" + needle + ">");
        }

        /// <summary>Runs f and returns the exception of type T it throws (AggregateException
        /// from a Task is unwrapped).</summary>
        public static T Throws<T>(Action f, string what) where T : Exception
        {
            try { f(); }
            catch (Exception e)
            {
                Exception x = e;
                var agg = x as AggregateException;
                if (agg != null && agg.InnerExceptions.Count == 1) x = agg.InnerExceptions[0];
                T t = x as T;
                if (t != null) return t;
                throw new AssertionException(what + ": expected " + typeof(T).Name + " but got " + x.GetType().Name + ": " + x);
            }
            throw new AssertionException(what + ": expected " + typeof(T).Name + " but nothing was thrown");
        }

        private static string Show(object o)
        {
            if (o == null) return "null";
            var s = o as string;
            return s != null ? Json.Quote(s) : o.ToString();
        }
    }

    public static class Runner
    {
        private const int TestTimeoutMs = 60000;

        public static int Main(string[] args)
        {
            string devserver = Environment.GetEnvironmentVariable("FASTGPT_DEVSERVER");
            var filters = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--devserver" && i + 1 < args.Length) devserver = args[++i];
                else filters.Add(args[i]);
            }
            if (string.IsNullOrEmpty(devserver)) devserver = "../../target/release/fastgpt-devserver";

            var total = Stopwatch.StartNew();
            int passed = 0, failed = 0;
            Console.WriteLine("libfastgpt " + FastGptClient.LibraryVersion + ", runtime " + RuntimeName());
            using (var server = DevServer.Start(devserver))
            {
                Fixture.Server = server;
                var tests = typeof(Runner).Assembly.GetTypes()
                    .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                    .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                    .OrderBy(m => m.DeclaringType.FullName, StringComparer.Ordinal).ThenBy(m => m.MetadataToken)
                    .Where(m => filters.Count == 0 || filters.Any(f => (m.DeclaringType.Name + "." + m.Name).IndexOf(f, StringComparison.OrdinalIgnoreCase) >= 0))
                    .ToList();
                foreach (MethodInfo m in tests)
                {
                    string name = m.DeclaringType.Name + "." + m.Name;
                    var sw = Stopwatch.StartNew();
                    Exception error = Run(m);
                    sw.Stop();
                    if (error == null)
                    {
                        passed++;
                        Console.WriteLine("PASS " + name + " (" + sw.ElapsedMilliseconds + " ms)");
                    }
                    else
                    {
                        failed++;
                        Console.WriteLine("FAIL " + name + " (" + sw.ElapsedMilliseconds + " ms): " + Describe(error));
                    }
                }
            }
            Console.WriteLine("total time " + total.ElapsedMilliseconds + " ms");
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }

        private static Exception Run(MethodInfo m)
        {
            Exception error = null;
            var thread = new Thread(() =>
            {
                try
                {
                    object target = m.IsStatic ? null : Activator.CreateInstance(m.DeclaringType);
                    try { m.Invoke(target, null); }
                    finally { var d = target as IDisposable; if (d != null) d.Dispose(); }
                }
                catch (TargetInvocationException e) { error = e.InnerException; }
                catch (Exception e) { error = e; }
            });
            thread.IsBackground = true;
            thread.Start();
            if (!thread.Join(TestTimeoutMs)) return new TimeoutException("test did not finish within " + TestTimeoutMs + " ms");
            return error;
        }

        private static string Describe(Exception e)
        {
            if (e is AssertionException) return e.Message;
            return e.ToString();
        }

        private static string RuntimeName()
        {
            Type mono = Type.GetType("Mono.Runtime");
            if (mono != null)
            {
                MethodInfo dn = mono.GetMethod("GetDisplayName", BindingFlags.NonPublic | BindingFlags.Static);
                if (dn != null) return "Mono " + dn.Invoke(null, null);
            }
            return Environment.Version.ToString();
        }
    }
}
