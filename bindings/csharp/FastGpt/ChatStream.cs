// The pull form of a streaming completion (the C API contract, §6.1) over fastgpt_stream_open /
// fastgpt_stream_next / fastgpt_stream_result / fastgpt_stream_free.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace FastGpt
{
    /// <summary>
    /// An open streaming completion. Enumerate it once (foreach, or await foreach on .NET 6+),
    /// or call Next() until it returns null. Errors are thrown as FastGptException (an
    /// "error" event is yielded first, then the next read throws FASTGPT_E_API); a
    /// cancellation through the CancellationToken is thrown as OperationCanceledException
    /// whose InnerException is the FastGptException (Status Cancelled, Partial set).
    /// When enumeration ends (finished, failed or abandoned) the connection is closed at
    /// once and Result keeps the accumulated result. Dispose from any thread: it cancels a
    /// read that is blocked on another thread and waits for it to return (at most ~100 ms).
    /// </summary>
    public sealed class ChatStream : IEnumerable<StreamEvent>, IDisposable
#if NET6_0_OR_GREATER
        , IAsyncEnumerable<StreamEvent>, IAsyncDisposable
#endif
    {
        private readonly object _io = new object();   // one native call on the stream at a time
        private readonly CancelScope _scope;            // owns the stream's native cancel token
        private StreamHandle _stream;                   // null once closed
        private string _finalResult;
        private int _enumerated;

        /// <summary>A C stream opener (fastgpt_stream_open and the like): its string
        /// arguments are converted into a (alive for the call); the client, the stream's
        /// cancel token and the two out-parameters are passed in.</summary>
        internal delegate int Opener(Utf8Args a, IntPtr client, IntPtr cancel, out IntPtr stream, out IntPtr error);

        internal ChatStream(ClientHandle client, CancellationToken ct, Opener open)
        {
            _scope = CancelScope.Always(ct);
            try
            {
                IntPtr stream, err;
                int rc;
                using (var args = new Utf8Args())
                using (var c = new HandleLease(client))
                using (var t = new HandleLease(_scope.Token))
                {
                    rc = open(args, c.Ptr, t.Ptr, out stream, out err);
                }
                string errJson = Utf8.TakeOwned(err);
                if (rc != 0)
                {
                    if (stream != IntPtr.Zero) Native.fastgpt_stream_free(stream); // defensive: never set on failure
                    throw FastGptClient.MakeError(rc, errJson, null, ct);
                }
                _stream = new StreamHandle(stream);
            }
            catch
            {
                _scope.Dispose();
                throw;
            }
        }

        /// <summary>Cancels the stream from any thread: a blocked or later Next() throws.</summary>
        public void Cancel() { _scope.Token.Cancel(); }

        /// <summary>Reads the next event, blocking; null once the stream finished cleanly.</summary>
        public StreamEvent Next()
        {
            lock (_io)
            {
                if (_stream == null) throw new ObjectDisposedException("ChatStream");
                int rc;
                IntPtr evt, data, text, err;
                StreamEvent e = null;
                using (var s = new HandleLease(_stream))
                {
                    rc = Native.fastgpt_stream_next(s.Ptr, out evt, out data, out text, out err);
                    // The borrowed strings stay valid until the next call on the stream:
                    // copy them now, while the lease is held.
                    if (rc == 0 && evt != IntPtr.Zero)
                        e = new StreamEvent(Utf8.Read(evt), Utf8.Read(data), Utf8.Read(text));
                }
                string errJson = Utf8.TakeOwned(err);
                if (rc != 0) throw FastGptClient.MakeError(rc, errJson, null, _scope.CancellationToken);
                return e;
            }
        }

        /// <summary>The accumulated result so far (the C API contract, §6 shape) as JSON; after the stream
        /// is closed, the result at the time it was closed.</summary>
        public string Result
        {
            get
            {
                lock (_io)
                {
                    return _stream == null ? _finalResult : FetchResult();
                }
            }
        }

        private string FetchResult()
        {
            IntPtr json;
            int rc;
            using (var s = new HandleLease(_stream))
                rc = Native.fastgpt_stream_result(s.Ptr, out json);
            string text = Utf8.TakeOwned(json);
            if (rc != 0) throw FastGptClient.MakeError(rc, text, null, CancellationToken.None);
            return text;
        }

        /// <summary>Saves the result and frees the native stream (closing the connection).</summary>
        private void Close()
        {
            lock (_io)
            {
                if (_stream == null) return;
                try { _finalResult = FetchResult(); }
                catch (FastGptException) { }
                _stream.Dispose();
                _stream = null;
                _scope.Dispose();
            }
        }

        public void Dispose()
        {
            // Unblock a Next() running on another thread first; it returns within ~100 ms
            // and releases _io. Cancelling a stream that has ended changes nothing.
            Cancel();
            Close();
        }

        public IEnumerator<StreamEvent> GetEnumerator()
        {
            if (Interlocked.Exchange(ref _enumerated, 1) != 0)
                throw new InvalidOperationException("a ChatStream can be enumerated only once");
            return Iterate();
        }

        private IEnumerator<StreamEvent> Iterate()
        {
            try
            {
                while (true)
                {
                    StreamEvent e = Next();
                    if (e == null) yield break;
                    yield return e;
                }
            }
            finally
            {
                Close();
            }
        }

        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

#if NET6_0_OR_GREATER
        /// <summary>Reads the next event on a thread-pool thread (the native read blocks).</summary>
        public async Task<StreamEvent> NextAsync(CancellationToken cancellationToken = default)
        {
            using (cancellationToken.Register(Cancel))
            {
                try
                {
                    return await Task.Factory.StartNew(() => Next(), CancellationToken.None,
                        TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
                }
                catch (FastGptException e) when (e.Status == FastGptStatus.Cancelled && cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException(e.Message, e, cancellationToken);
                }
            }
        }

        public async IAsyncEnumerator<StreamEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _enumerated, 1) != 0)
                throw new InvalidOperationException("a ChatStream can be enumerated only once");
            try
            {
                while (true)
                {
                    StreamEvent e = await NextAsync(cancellationToken).ConfigureAwait(false);
                    if (e == null) yield break;
                    yield return e;
                }
            }
            finally
            {
                Close();
            }
        }

        public ValueTask DisposeAsync()
        {
            return new ValueTask(Task.Run(Dispose));
        }
#endif
    }
}
