using System.Reflection;
using System.Runtime.CompilerServices;

[assembly: AssemblyTitle("FastGpt")]
[assembly: AssemblyDescription("C# binding of libfastgpt (FastGPT client with a C ABI)")]
[assembly: AssemblyVersion("0.1.0.0")]
// The test runner also exercises the raw P/Invoke layer.
[assembly: InternalsVisibleTo("FastGpt.Tests")]
