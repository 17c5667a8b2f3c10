using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using static FastGpt.Tests.Fixture;

namespace FastGpt.Tests
{
    public sealed class ConcurrencyTests
    {
        [Test]
        public void EightThreadsShareOneClient()
        {
            const int Threads = 8, Rounds = 6;
            var errors = new ConcurrentQueue<Exception>();
            int done = 0;
            using (FastGptClient c = Client())
            using (var start = new Barrier(Threads))
            {
                var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
                {
                    try
                    {
                        start.SignalAndWait();
                        for (int r = 0; r < Rounds; r++)
                        {
                            string q = "thread " + i + " round " + r + " 线程🙂";
                            string chat = NewChatId();
                            string a = Str(Obj(c.CreateChatCompletion(Request(q, chat))), "choices", 0, "message", "content");
                            Assert.Equal("You said: " + q, a, "completion");
                            var sb = new StringBuilder();
                            string res = c.CreateChatCompletionStream(Request(q + " s", chat), e => sb.Append(e.Text));
                            Assert.Equal("You said: " + q + " s", sb.ToString(), "callback stream");
                            Assert.Equal(sb.ToString(), Str(Obj(res), "answer"), "callback result");
                            using (ChatStream s = c.Stream(Request(q + " p", chat)))
                                Assert.Equal("You said: " + q + " p", string.Concat(s.Select(e => e.Text)), "pull stream");
                            var list = (JsonArray)At(Obj(c.GetChatRecords(AppId, chat, 0, 50)), "data", "list");
                            Assert.Equal(6, list.Count, "records of this thread's chat");
                            Interlocked.Increment(ref done);
                        }
                    }
                    catch (Exception e) { errors.Enqueue(e); }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
            }
            if (!errors.IsEmpty) throw new AggregateException(errors);
            Assert.Equal(Threads * Rounds, done, "rounds completed");
        }

        [Test]
        public void ConcurrentAsyncCalls()
        {
            using (FastGptClient c = Client())
            {
                var tasks = Enumerable.Range(0, 32).Select(i => c.CreateChatCompletionAsync(Request("n" + i))).ToArray();
                for (int i = 0; i < tasks.Length; i++)
                    Assert.Equal("You said: n" + i, Str(Obj(tasks[i].Result), "choices", 0, "message", "content"), "task " + i);
            }
        }
    }

    public sealed class Utf8Tests
    {
        private const string Tricky = "你好，世界 🙂👍🏽 𝄞 \"quoted\" back\\slash tab\t newline\n é ß ﬀ \u2028 end";

        [Test]
        public void RoundTripCjkAndEmoji()
        {
            using (FastGptClient c = Client())
            {
                string chat = NewChatId();
                Assert.Equal("You said: " + Tricky, Str(Obj(c.CreateChatCompletion(Request(Tricky, chat))), "choices", 0, "message", "content"), "completion");
                var sb = new StringBuilder();
                JsonObject r = Obj(c.CreateChatCompletionStream(Request(Tricky, chat), e => sb.Append(e.Text)));
                Assert.Equal("You said: " + Tricky, sb.ToString(), "streamed text (chunks of 3 scalars)");
                Assert.Equal("You said: " + Tricky, r.GetString("answer"), "stream result");
                using (ChatStream s = c.Stream(Request("/cjk")))
                    Assert.Equal("你好，世界！这是一个测试回答。🙂", string.Concat(s.Select(e => e.Text)), "CJK answer, pull form");
                JsonObject echo = Obj(c.Request("POST", "/api/__dev/echo", "{\"q\":\"查询 🙂\"}", Json.Serialize(new JsonArray { Tricky })));
                Assert.Equal(Tricky, Str(echo, "data", "body", 0), "echo body");
                Assert.Equal("查询 🙂", Str(echo, "data", "query", "q"), "echo query");
                c.UpdateChatHistory(AppId, chat, Tricky);
                JsonObject init = Obj(c.GetChatInit(AppId, chat));
                Assert.Equal(Tricky, Str(init, "data", "title"), "custom title via init");
            }
        }

        [Test]
        public void Utf8SplitAcrossNetworkChunks()
        {
            // bytewise: every byte its own HTTP chunk, so UTF-8 characters arrive split.
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "bytewise,crlf")))
            {
                var sb = new StringBuilder();
                c.CreateChatCompletionStream(Request("/cjk"), e => sb.Append(e.Text));
                Assert.Equal("你好，世界！这是一个测试回答。🙂", sb.ToString(), "bytewise CJK");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "many-events:9")))
            {
                var sb = new StringBuilder();
                c.CreateChatCompletionStream(Request("x"), e => sb.Append(e.Text));
                Assert.Equal("ab中文c🙂ab中文c🙂ab中文c🙂", sb.ToString(), "many-events chunks");
            }
        }

        [Test]
        public void InvalidUtf8OnTheWireIsProtocolError()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "invalid-utf8")))
            {
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("hello"), null), "invalid utf-8");
                Assert.Equal(FastGptStatus.Protocol, e.Status, "protocol");
            }
        }
    }
}
