// FastGptException: every field of the error JSON, for the error kinds of the C API contract §2.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using static FastGpt.Tests.Fixture;

namespace FastGpt.Tests
{
    public sealed class ErrorTests
    {
        [Test]
        public void ClientCreationErrors()
        {
            var e = Assert.Throws<FastGptException>(() => new FastGptClient("", Server.Url), "empty key");
            Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "status");
            Assert.Equal("FASTGPT_E_INVALID_ARGUMENT", e.StatusName, "status name");
            Assert.True(e.Message.Length > 0, "message");
            Assert.Null(e.HttpStatus, "http_status");
            Assert.Null(e.Method, "method");
            Assert.Equal(0, e.Attempts, "attempts");
            Assert.NotNull(e.ErrorJson, "error JSON kept");

            e = Assert.Throws<FastGptException>(() => FastGptClient.FromOptionsJson("{\"api_key\":\"k\",\"bogus\":1}"), "unknown key");
            Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "unknown option");
            Assert.Contains("bogus", e.Message, "message names the key");
            e = Assert.Throws<FastGptException>(() => FastGptClient.FromOptionsJson("[1]"), "not an object");
            Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "options not an object");
            e = Assert.Throws<FastGptException>(() => Client(Headers("Authorization", "x")), "forbidden header");
            Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "Authorization header refused");
            Assert.Throws<ArgumentNullException>(() => new FastGptClient((string)null), "null key");
            using (FastGptClient c = FastGptClient.FromOptionsJson("{\"api_key\":\"k\",\"base_url\":\"" + Server.Url + "/api/v1/\"}"))
                Assert.Equal("/api/__dev/echo", Str(Obj(c.Request("GET", "/api/__dev/echo")), "data", "path"), "base URL normalised");
        }

        [Test]
        public void WrongKeyE2Envelope()
        {
            using (var c = new FastGptClient("wrong-key", Server.Url))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatHistories(AppId), "wrong key");
                Assert.Equal(FastGptStatus.Api, e.Status, "status");
                Assert.Equal("FASTGPT_E_API", e.StatusName, "status_name");
                Assert.Equal(500, e.HttpStatus, "http_status (E2)");
                Assert.Equal(514L, e.ApiCode, "api_code");
                Assert.Equal("unAuthApiKey", e.StatusText, "status_text");
                // Revision 3: the i18n key moved to message_key; message is its English text.
                Assert.Equal("common:code_error.error_message.514", e.MessageKey, "message_key");
                Assert.Equal("Invalid API Key (unAuthApiKey)", e.Message, "message");
                Assert.Contains("\"code\":514", e.Body, "body");
                Assert.Null(e.RetryAfterMs, "retry_after_ms");
                Assert.Null(e.RequestId, "request_id (E2 sends none)");
                Assert.Equal("POST", e.Method, "method");
                Assert.Equal(Server.Url + "/api/core/chat/history/getHistories", e.Url, "url");
                Assert.Equal(1, e.Attempts, "attempts");
                Assert.Null(e.Timeout, "timeout");
                Assert.Null(e.Partial, "partial");
                Assert.True(!e.ErrorJson.Contains("wrong-key"), "API key never in the error JSON");

                // Streams: E2 answers auth errors as an event: error frame.
                var events = new List<StreamEvent>();
                e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("x"), events.Add), "stream wrong key");
                Assert.Equal(FastGptStatus.Api, e.Status, "stream status");
                Assert.Equal(514L, e.ApiCode, "stream api_code");
                Assert.Equal("unAuthApiKey", e.StatusText, "stream status_text");
                Assert.Equal(1, events.Count, "one event");
                Assert.Equal("error", events[0].Event, "error event delivered");
                Assert.NotNull(e.Partial, "partial result");
                Assert.Equal(1L, e.Partial.GetInt64("event_count"), "partial event_count");

                using (ChatStream s = c.Stream(Request("x")))
                {
                    StreamEvent first = s.Next();
                    Assert.Equal("error", first.Event, "pull: error event first");
                    Assert.Equal(e.Body, first.Data, "error frame data = body");
                    var e2 = Assert.Throws<FastGptException>(() => s.Next(), "pull: then the error");
                    Assert.Equal(514L, e2.ApiCode, "pull api_code");
                    var e3 = Assert.Throws<FastGptException>(() => s.Next(), "pull: sticky");
                    Assert.Equal(FastGptStatus.Api, e3.Status, "sticky status");
                }
            }
        }

        [Test]
        public void WrongKeyE3HasRequestId()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Errors", "e3"), o => o.ApiKey = "wrong-key"))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatInit(AppId, "c"), "wrong key e3");
                Assert.Equal(FastGptStatus.Api, e.Status, "status");
                Assert.Equal(401, e.HttpStatus, "http_status (E3)");
                Assert.Equal(514L, e.ApiCode, "api_code");
                Assert.NotNull(e.RequestId, "request_id from x-request-id");
                Assert.Equal("GET", e.Method, "method");
                Assert.Contains("appId=" + AppId, e.Url, "query in url");
                // E3 streams: the error comes back from open, not as an event.
                var se = Assert.Throws<FastGptException>(() => c.Stream(Request("x")), "open fails");
                Assert.Equal(401, se.HttpStatus, "open http_status");
            }
        }

        [Test]
        public void Html502()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "html502"), o => o.MaxRetries = 2))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatInit(AppId, "c"), "html 502");
                Assert.Equal(FastGptStatus.Http, e.Status, "status");
                Assert.Equal("FASTGPT_E_HTTP", e.StatusName, "status_name");
                Assert.Equal(502, e.HttpStatus, "http_status");
                Assert.Null(e.ApiCode, "api_code");
                Assert.Null(e.StatusText, "status_text");
                Assert.Contains("<title>502 Bad Gateway</title>", e.Body, "html body");
                Assert.Equal(3, e.Attempts, "GET retried on 502");
                Assert.Equal("GET", e.Method, "method");

                e = Assert.Throws<FastGptException>(() => c.CreateChatCompletion(Request("x")), "completion 502");
                Assert.Equal(FastGptStatus.Http, e.Status, "completion status");
                Assert.Equal(1, e.Attempts, "completion not retried after 502");
            }
        }

        [Test]
        public void RetryAfterAndOpenAiError()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "status:429:retry-after=120"), o => o.MaxRetryAfterMs = 1000))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatHistories(AppId), "429");
                Assert.Equal(FastGptStatus.Api, e.Status, "status");
                Assert.Equal(429, e.HttpStatus, "http_status");
                Assert.Equal(429L, e.ApiCode, "api_code");
                Assert.Equal(120000L, e.RetryAfterMs, "retry_after_ms");
                Assert.Equal(1, e.Attempts, "too long to wait: no retry");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "openai-error")))
            {
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletion(Request("x")), "openai error");
                Assert.Equal(FastGptStatus.Api, e.Status, "status");
                Assert.Equal("bad model", e.Message, "message");
                Assert.Equal("model_not_found", e.StatusText, "status_text");
                Assert.Equal(400, e.HttpStatus, "http_status");
            }
        }

        [Test]
        public void StreamErrorsAndTimeouts()
        {
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "error-event")))
            {
                var events = new List<StreamEvent>();
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("hello there"), events.Add), "error-event");
                Assert.Equal(FastGptStatus.Api, e.Status, "status");
                Assert.Equal(510L, e.ApiCode, "api_code");
                Assert.Equal("insufficientQuota", e.StatusText, "status_text");
                Assert.Equal("AI points exhausted", e.Message, "message");
                Assert.Equal("error", events.Last().Event, "error event delivered last");
                Assert.Equal("You sa", e.Partial.GetString("answer"), "partial answer up to the cut");
                Assert.Equal(200, e.HttpStatus, "http_status");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "eof-no-done")))
            {
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("hello there"), null), "eof");
                Assert.Equal(FastGptStatus.StreamIncomplete, e.Status, "stream incomplete");
                Assert.Equal(false, e.Partial.GetBoolean("done"), "partial done");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "stall-mid-stream:5000"), o => o.StreamIdleTimeoutMs = 300))
            {
                var e = Assert.Throws<FastGptException>(() => c.CreateChatCompletionStream(Request("hello there"), null), "idle");
                Assert.Equal(FastGptStatus.Timeout, e.Status, "timeout status");
                Assert.Equal("idle", e.Timeout, "timeout kind");
                Assert.Equal("You sa", e.Partial.GetString("answer"), "partial answer");
            }
            using (FastGptClient c = Client(Headers("X-Dev-Fault", "garbage-200")))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatInit(AppId, "x"), "garbage");
                Assert.Equal(FastGptStatus.Protocol, e.Status, "protocol");
            }
            using (var c = new FastGptClient(new FastGptClientOptions { ApiKey = DevServer.ApiKey, BaseUrl = "http://127.0.0.1:1", MaxRetries = 0 }))
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatInit(AppId, "x"), "refused");
                Assert.Equal(FastGptStatus.Transport, e.Status, "transport");
                Assert.Null(e.HttpStatus, "no response");
                Assert.Equal(1, e.Attempts, "attempts");
            }
        }

        [Test]
        public void InvalidArguments()
        {
            using (FastGptClient c = Client())
            {
                var e = Assert.Throws<FastGptException>(() => c.GetChatHistories(AppId, -1), "negative offset");
                Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "status");
                Assert.Null(e.Method, "nothing sent");
                Assert.Equal(0, e.Attempts, "attempts");
                e = Assert.Throws<FastGptException>(() => c.CreateChatCompletion("not json"), "bad request JSON");
                Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "status");
                e = Assert.Throws<FastGptException>(() => c.GetChatInit("", "x"), "empty app id");
                Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "status");
                Assert.Throws<ArgumentNullException>(() => c.GetChatInit(null, "x"), "null app id");
                Assert.Throws<ArgumentException>(() => c.GetChatInit("a\0b", "x"), "embedded NUL");
                Assert.Throws<ArgumentException>(() => c.GetChatInit("bad\uD800", "x"), "lone surrogate");
                Assert.Throws<ArgumentNullException>(() => c.UploadChatBytes(AppId, "c", "n", null), "null data");
            }
        }

        [Test]
        public void DisposedClient()
        {
            FastGptClient c = Client();
            // §4.1: a stream opened from a client outlives the client's Dispose.
            ChatStream s = c.Stream(Request("outlives the client"));
            c.Dispose();
            c.Dispose(); // idempotent
            Assert.Throws<ObjectDisposedException>(() => c.GetChatInit(AppId, "x"), "use after Dispose");
            using (s)
                Assert.Equal("You said: outlives the client", string.Concat(s.Select(e => e.Text)), "stream still readable");
            Assert.Throws<ObjectDisposedException>(() => s.Next(), "stream closed after enumeration");
            Assert.Contains("outlives", s.Result, "result kept after close");
        }
    }
}
