// The raw P/Invoke layer: functions the high-level API does not reach directly, the NULL
// rules of the C API contract §3/§4.1, and handles left to the finalizer.
using System;
using System.Diagnostics;
using System.Threading;
using static FastGpt.Tests.Fixture;

namespace FastGpt.Tests
{
    public sealed class NativeTests
    {
        /// <summary>Every P/Invoke declaration uses only types that a .NET 7+ [LibraryImport]
        /// (and Native AOT) marshals without runtime marshalling: int, IntPtr, UIntPtr,
        /// `out IntPtr`, returning int, IntPtr or void. No string, bool, delegate or array
        /// parameters, and Cdecl with exact spelling everywhere.</summary>
        [Test]
        public void SignaturesAreLibraryImportCompatible()
        {
            var allowed = new[] { typeof(int), typeof(IntPtr), typeof(UIntPtr), typeof(IntPtr).MakeByRefType() };
            var returns = new[] { typeof(int), typeof(IntPtr), typeof(void) };
            int count = 0;
            foreach (var m in typeof(Native).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public))
            {
                var dll = (System.Runtime.InteropServices.DllImportAttribute)Attribute.GetCustomAttribute(m, typeof(System.Runtime.InteropServices.DllImportAttribute));
                if (dll == null) continue;
                count++;
                Assert.True(m.Name.StartsWith("fastgpt_", StringComparison.Ordinal), m.Name + ": a C function name");
                Assert.Equal(System.Runtime.InteropServices.CallingConvention.Cdecl, dll.CallingConvention, m.Name + " calling convention");
                Assert.True(dll.ExactSpelling, m.Name + ": ExactSpelling");
                Assert.True(Array.IndexOf(returns, m.ReturnType) >= 0, m.Name + " returns " + m.ReturnType);
                foreach (var p in m.GetParameters())
                {
                    Assert.True(Array.IndexOf(allowed, p.ParameterType) >= 0, m.Name + "(" + p.Name + "): " + p.ParameterType);
                    if (p.ParameterType.IsByRef) Assert.True(p.IsOut, m.Name + "(" + p.Name + "): by-reference only as out");
                }
            }
            Assert.True(count >= 30, "declarations found: " + count);
        }

        [Test]
        public void NullHandlesAndOutParameters()
        {
            Native.fastgpt_client_free(IntPtr.Zero);
            Native.fastgpt_stream_free(IntPtr.Zero);
            Native.fastgpt_cancel_token_free(IntPtr.Zero);
            Native.fastgpt_cancel_token_cancel(IntPtr.Zero);
            Native.fastgpt_cancel_token_cancel_after(IntPtr.Zero, 10);
            Native.fastgpt_string_free(IntPtr.Zero);

            IntPtr json;
            int rc = Native.fastgpt_get_chat_init(IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out json);
            Assert.Equal((int)FastGptStatus.InvalidArgument, rc, "NULL client");
            FastGptException e = FastGptException.FromError(rc, Utf8.TakeOwned(json), null);
            Assert.Equal("FASTGPT_E_INVALID_ARGUMENT", e.StatusName, "error JSON always written");

            IntPtr stream, err;
            rc = Native.fastgpt_stream_open(IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out stream, out err);
            Assert.Equal((int)FastGptStatus.InvalidArgument, rc, "open with NULLs");
            Assert.Equal(IntPtr.Zero, stream, "out_stream NULL on failure");
            Assert.NotNull(Utf8.TakeOwned(err), "out_error set");
        }

        [Test]
        public void CancelTokenDeadline()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "stall-before-headers:5000")))
            using (CancelTokenHandle t = CancelTokenHandle.Create())
            {
                t.CancelAfter(200); // fastgpt_cancel_token_cancel_after: a stored deadline
                var sw = Stopwatch.StartNew();
                var e = Assert.Throws<FastGptException>(() => InvokeWithToken(c, t), "deadline");
                sw.Stop();
                Assert.Equal(FastGptStatus.Cancelled, e.Status, "cancelled by the deadline");
                Assert.True(sw.ElapsedMilliseconds >= 150 && sw.ElapsedMilliseconds < 3000, "fired on time: " + sw.ElapsedMilliseconds + " ms");
                Assert.Equal(1, e.Attempts, "the request had been sent");
                e = Assert.Throws<FastGptException>(() => InvokeWithToken(c, t), "still cancelled");
                Assert.Equal(0, e.Attempts, "a cancelled token sends nothing");
            }
        }

        private static void InvokeWithToken(FastGptClient c, CancelTokenHandle t)
        {
            var field = typeof(FastGptClient).GetField("_handle", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance);
            var handle = (ClientHandle)field.GetValue(c);
            using (var args = new Utf8Args())
            using (var cl = new HandleLease(handle))
            using (var tk = new HandleLease(t))
            {
                IntPtr json;
                int rc = Native.fastgpt_get_chat_init(cl.Ptr, args.Add(AppId, "a"), args.Add("x", "c"), tk.Ptr, out json);
                string s = Utf8.TakeOwned(json);
                if (rc != 0) throw FastGptException.FromError(rc, s, null);
            }
        }

        [Test]
        public void HandlesLeftToTheFinalizer()
        {
            for (int i = 0; i < 50; i++)
            {
                FastGptClient c = Client();
                ChatStream s = c.Stream(Request("leaked " + i));
                s.Next();
                // neither disposed: SafeHandle finalizers free them on the finalizer thread
            }
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using (FastGptClient c = Client())
                Assert.Equal("You said: still fine", Str(Obj(c.CreateChatCompletion(Request("still fine"))), "choices", 0, "message", "content"), "after finalizers");
        }
    }
}
