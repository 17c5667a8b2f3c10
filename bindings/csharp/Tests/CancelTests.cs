// CancellationToken -> fastgpt_cancel_token_cancel (the C API contract, §8), stream callbacks that
// throw, and the GC while native code holds our callback.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using static FastGpt.Tests.Fixture;

namespace FastGpt.Tests
{
    public sealed class CancelTests
    {
        private const int PromptMs = 1000; // the library promises ~100 ms

        private static FastGptClient StallClient()
        {
            // Two answer chunks, then 5 s of silence.
            return Client(Headers("X-Dev-Fault", "stall-mid-stream:5000"));
        }

        [Test]
        public void CancelStalledStreamAsyncCallbackForm()
        {
            using (FastGptClient c = StallClient())
            using (var cts = new CancellationTokenSource())
            using (var gotText = new ManualResetEventSlim())
            {
                var texts = new List<string>();
                Task<string> t = c.CreateChatCompletionStreamAsync(Request("hello there"), e =>
                {
                    if (!string.IsNullOrEmpty(e.Text)) { texts.Add(e.Text); if (texts.Count == 2) gotText.Set(); }
                }, cts.Token);
                Assert.True(gotText.Wait(5000), "first chunks arrived");
                Thread.Sleep(100); // now stalled inside the library
                var sw = Stopwatch.StartNew();
                cts.Cancel();
                var oce = Assert.Throws<OperationCanceledException>(() => t.GetAwaiter().GetResult(), "cancelled");
                sw.Stop();
                Assert.True(sw.ElapsedMilliseconds < PromptMs, "cancelled promptly: " + sw.ElapsedMilliseconds + " ms");
                Assert.True(t.IsCanceled, "task state Canceled");
                Assert.Equal(cts.Token, oce.CancellationToken, "token");
                Console.WriteLine("    async callback stream cancelled in " + sw.ElapsedMilliseconds + " ms");
            }
        }

        [Test]
        public void CancelStalledStreamSyncKeepsPartial()
        {
            using (FastGptClient c = StallClient())
            using (var cts = new CancellationTokenSource())
            {
                var sw = new Stopwatch();
                int texts = 0;
                var oce = Assert.Throws<OperationCanceledException>(() => c.CreateChatCompletionStream(Request("hello there"), e =>
                {
                    // Cancelling from another thread 150 ms after the 2nd chunk.
                    if (!string.IsNullOrEmpty(e.Text) && ++texts == 2)
                        ThreadPool.QueueUserWorkItem(_ => { Thread.Sleep(150); sw.Start(); cts.Cancel(); });
                }, cts.Token), "sync cancelled");
                sw.Stop();
                Assert.True(sw.ElapsedMilliseconds < PromptMs, "prompt: " + sw.ElapsedMilliseconds + " ms");
                var e2 = oce.InnerException as FastGptException;
                Assert.NotNull(e2, "inner FastGptException");
                Assert.Equal(FastGptStatus.Cancelled, e2.Status, "status");
                Assert.Equal("You sa", e2.Partial.GetString("answer"), "partial answer");
            }
        }

        [Test]
        public void CancelStalledPullStream()
        {
            using (FastGptClient c = StallClient())
            using (var cts = new CancellationTokenSource())
            {
                var sw = new Stopwatch();
                var texts = new List<string>();
                ChatStream s = c.Stream(Request("hello there"), cts.Token);
                var oce = Assert.Throws<OperationCanceledException>(() =>
                {
                    foreach (StreamEvent e in s)
                    {
                        if (string.IsNullOrEmpty(e.Text)) continue;
                        texts.Add(e.Text);
                        if (texts.Count == 2)
                        {
                            sw.Start();
                            cts.CancelAfter(100);
                        }
                    }
                }, "pull cancelled");
                sw.Stop();
                Assert.True(sw.ElapsedMilliseconds < 100 + PromptMs, "prompt: " + sw.ElapsedMilliseconds + " ms");
                var fe = (FastGptException)oce.InnerException;
                Assert.Equal(FastGptStatus.Cancelled, fe.Status, "status");
                Assert.Equal("You sa", Str(Obj(s.Result), "answer"), "result kept after close");
                s.Dispose();
            }
        }

        [Test]
        public void DisposeUnblocksPullStreamOnAnotherThread()
        {
            using (FastGptClient c = StallClient())
            {
                ChatStream s = c.Stream(Request("hello there"));
                int texts = 0;
                while (texts < 2) { StreamEvent e = s.Next(); if (!string.IsNullOrEmpty(e.Text)) texts++; }
                var sw = Stopwatch.StartNew();
                ThreadPool.QueueUserWorkItem(_ => { Thread.Sleep(100); s.Dispose(); });
                var e2 = Assert.Throws<FastGptException>(() => s.Next(), "blocked Next ends");
                Assert.Equal(FastGptStatus.Cancelled, e2.Status, "no CancellationToken: FastGptException");
                Assert.True(sw.ElapsedMilliseconds < 100 + PromptMs, "prompt: " + sw.ElapsedMilliseconds + " ms");
                Thread.Sleep(50);
                Assert.Throws<ObjectDisposedException>(() => s.Next(), "closed");
            }
        }

        [Test]
        public void AlreadyCancelledAndDeadline()
        {
            using (FastGptClient c = StallClient())
            {
                var cts = new CancellationTokenSource();
                cts.Cancel();
                var oce = Assert.Throws<OperationCanceledException>(() => c.GetChatInit(AppId, "x", cts.Token), "pre-cancelled");
                var fe = (FastGptException)oce.InnerException;
                Assert.Equal(FastGptStatus.Cancelled, fe.Status, "status");
                Assert.Equal(0, fe.Attempts, "no request sent");
                Task<string> t = c.GetChatInitAsync(AppId, "x", cts.Token);
                Assert.Throws<OperationCanceledException>(() => t.GetAwaiter().GetResult(), "async pre-cancelled");
                Assert.Throws<OperationCanceledException>(() => c.Stream(Request("x"), cts.Token), "open pre-cancelled");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "stall-before-headers:5000")))
            using (var cts = new CancellationTokenSource(300)) // CancelAfter: a deadline over the call
            {
                var sw = Stopwatch.StartNew();
                Assert.Throws<OperationCanceledException>(() => c.GetChatHistories(AppId, 0, 10, null, cts.Token), "deadline");
                Assert.True(sw.ElapsedMilliseconds < 300 + PromptMs, "deadline honoured: " + sw.ElapsedMilliseconds + " ms");
            }
        }

        [Test]
        public void CallbackThrowingAborts()
        {
            using (FastGptClient c = Client())
            {
                var boom = new InvalidOperationException("boom from the callback");
                int calls = 0;
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("hello there"), ev =>
                {
                    calls++;
                    if (!string.IsNullOrEmpty(ev.Text)) throw boom;
                }), "callback throws");
                Assert.Equal(FastGptStatus.Aborted, e.Status, "status");
                Assert.Equal("FASTGPT_E_ABORTED", e.StatusName, "status name");
                Assert.True(ReferenceEquals(boom, e.InnerException), "the callback's exception is the InnerException");
                Assert.Equal(1, calls, "no callback after the throw");
                Assert.NotNull(e.Partial, "partial");
                // The client is still fine afterwards.
                Assert.Equal("You said: ok", Str(Obj(c.CreateChatCompletionStream(Request("ok"), ev => { })), "answer"), "client usable");
                // Async form: same exception through the task.
                var e2 = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStreamAsync(Request("x"), ev => { throw new FormatException("async boom"); }).Wait(), "async");
                Assert.Equal(FastGptStatus.Aborted, e2.Status, "async status");
                Assert.True(e2.InnerException is FormatException, "async inner");
            }
        }

        [Test]
        public void CallbackMayReenterAndFreeClient()
        {
            FastGptClient c = Client();
            string inner = null;
            string result = c.CreateChatCompletionStream(Request("outer"), ev =>
            {
                if (ev.IsDone)
                {
                    inner = c.GetChatInit(AppId, "x"); // another call on the same client
                    c.Dispose();                       // free the client of the running call
                }
            });
            Assert.NotNull(inner, "nested call ran");
            Assert.Equal("You said: outer", Str(Obj(result), "answer"), "outer call finished normally");
        }

        [Test]
        public void GarbageCollectionDuringCallbacks()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "many-events:200")))
            {
                int n = 0;
                string r = c.CreateChatCompletionStream(Request("gc"), ev =>
                {
                    if (++n % 20 == 0) { GC.Collect(); GC.WaitForPendingFinalizers(); }
                });
                Assert.Equal((long)n, Obj(r).GetInt64("event_count").Value, "every event delivered");
            }
        }
    }
}
