// SafeHandle subclasses for the three opaque handles (the C API contract, §4.1, §10). ReleaseHandle
// calls the matching _free function, which never blocks and may run on the finalizer
// thread. While a native call runs, the wrapper holds a DangerousAddRef on every handle it
// passed, so a concurrent Dispose only releases the handle after the call has returned
// (this is also what keeps fastgpt_stream_free from running during fastgpt_stream_next).
using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace FastGpt
{
    internal sealed class ClientHandle : SafeHandle
    {
        internal ClientHandle(IntPtr p) : base(IntPtr.Zero, true) { SetHandle(p); }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle() { Native.fastgpt_client_free(handle); return true; }
    }

    internal sealed class StreamHandle : SafeHandle
    {
        internal StreamHandle(IntPtr p) : base(IntPtr.Zero, true) { SetHandle(p); }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle() { Native.fastgpt_stream_free(handle); return true; }
    }

    internal sealed class CancelTokenHandle : SafeHandle
    {
        private CancelTokenHandle(IntPtr p) : base(IntPtr.Zero, true) { SetHandle(p); }
        public override bool IsInvalid { get { return handle == IntPtr.Zero; } }
        protected override bool ReleaseHandle() { Native.fastgpt_cancel_token_free(handle); return true; }

        internal static CancelTokenHandle Create()
        {
            IntPtr p = Native.fastgpt_cancel_token_new();
            if (p == IntPtr.Zero)
                throw new FastGptException(FastGptStatus.Panic, "fastgpt_cancel_token_new returned NULL");
            return new CancelTokenHandle(p);
        }

        /// <summary>Cancels the token; a no-op once the handle is disposed. Never throws, so it
        /// is safe inside CancellationToken.Register callbacks.</summary>
        internal void Cancel()
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                Native.fastgpt_cancel_token_cancel(handle);
            }
            catch (ObjectDisposedException) { }
            finally { if (added) DangerousRelease(); }
        }

        internal void CancelAfter(int ms)
        {
            bool added = false;
            try
            {
                DangerousAddRef(ref added);
                Native.fastgpt_cancel_token_cancel_after(handle, ms);
            }
            catch (ObjectDisposedException) { }
            finally { if (added) DangerousRelease(); }
        }
    }

    /// <summary>Holds a reference on a SafeHandle for the duration of a native call.
    /// A null handle gives IntPtr.Zero (an optional parameter).</summary>
    internal struct HandleLease : IDisposable
    {
        private readonly SafeHandle _h;
        private bool _added;
        internal readonly IntPtr Ptr;

        internal HandleLease(SafeHandle h)
        {
            _h = h;
            _added = false;
            Ptr = IntPtr.Zero;
            if (h != null)
            {
                h.DangerousAddRef(ref _added); // throws ObjectDisposedException when closed
                Ptr = h.DangerousGetHandle();
            }
        }

        public void Dispose()
        {
            if (_added) { _added = false; _h.DangerousRelease(); }
        }
    }

    /// <summary>
    /// A native cancel token tied to a CancellationToken for one call or one stream: the
    /// CancellationToken's cancellation calls fastgpt_cancel_token_cancel.
    /// </summary>
    internal sealed class CancelScope : IDisposable
    {
        internal readonly CancelTokenHandle Token;
        internal readonly CancellationToken CancellationToken;
        private CancellationTokenRegistration _registration;

        private CancelScope(CancellationToken ct)
        {
            CancellationToken = ct;
            Token = CancelTokenHandle.Create();
            if (ct.CanBeCanceled)
            {
                CancelTokenHandle t = Token;
                // Runs synchronously here when ct is already cancelled: the call then returns
                // FASTGPT_E_CANCELLED without any network I/O.
                _registration = ct.Register(() => t.Cancel());
            }
        }

        /// <summary>A scope for a call: null (no native token at all) when ct can never be
        /// cancelled.</summary>
        internal static CancelScope ForCall(CancellationToken ct)
        {
            return ct.CanBeCanceled ? new CancelScope(ct) : null;
        }

        /// <summary>A scope that always has a native token (streams cancel it on Dispose).</summary>
        internal static CancelScope Always(CancellationToken ct) { return new CancelScope(ct); }

        public void Dispose()
        {
            // Dispose waits for a registration callback that is running on another thread,
            // so the token is never used after it is freed below (SafeHandle guards it too).
            _registration.Dispose();
            Token.Dispose();
        }
    }
}
