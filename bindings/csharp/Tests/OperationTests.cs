// Every operation of the binding against the dev server, sync and async.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using static FastGpt.Tests.Fixture;

namespace FastGpt.Tests
{
    public sealed class OperationTests : IDisposable
    {
        private readonly FastGptClient _client = Client();

        public void Dispose() { _client.Dispose(); }

        [Test]
        public void VersionAndStatusNames()
        {
            string v = FastGptClient.LibraryVersion;
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(v, @"^\d+\.\d+\.\d+(-.+)?$"), "version format: " + v);
            Assert.Equal(FastGptClient.BindingVersionNumber / 1000, FastGptClient.LibraryVersionNumber / 1000, "major.minor");
            string[] parts = v.Split('-')[0].Split('.');
            Assert.Equal(int.Parse(parts[0]) * 1000000 + int.Parse(parts[1]) * 1000 + int.Parse(parts[2]),
                FastGptClient.LibraryVersionNumber, "version number matches version string");
            FastGptClient.EnsureCompatible();
            Assert.Equal("FASTGPT_OK", FastGptException.StatusNameOf(FastGptStatus.Ok), "status 0");
            Assert.Equal("FASTGPT_E_API", FastGptException.StatusNameOf(FastGptStatus.Api), "status 5");
            Assert.Equal("FASTGPT_E_PANIC", FastGptException.StatusNameOf(FastGptStatus.Panic), "status 10");
            Assert.Equal("unknown", FastGptException.StatusNameOf((FastGptStatus)99), "status 99");
        }

        [Test]
        public void ChatCompletionSyncAndAsync()
        {
            string chat = NewChatId();
            JsonObject r = Obj(_client.CreateChatCompletion(Request("hello", chat)));
            Assert.Equal("You said: hello", Str(r, "choices", 0, "message", "content"), "sync answer");
            Assert.Equal(chat, Str(r, "id"), "id is the chatId");
            r = Obj(_client.CreateChatCompletionAsync(Request("again", chat)).Result);
            Assert.Equal("You said: again", Str(r, "choices", 0, "message", "content"), "async answer");
        }

        [Test]
        public void StreamCallbackForm()
        {
            var events = new List<StreamEvent>();
            var text = new StringBuilder();
            JsonObject result = Obj(_client.CreateChatCompletionStream(Request("hi /tool /reasoning", NewChatId(), true), e =>
            {
                events.Add(e);
                if (e.Text != null) text.Append(e.Text);
            }));
            Assert.Equal("You said: hi /tool /reasoning", Str(result, "answer"), "answer");
            Assert.Equal(text.ToString(), Str(result, "answer"), "answer = joined text");
            Assert.Equal("Let me think.", Str(result, "reasoning"), "reasoning");
            Assert.Equal("stop", Str(result, "finish_reason"), "finish_reason");
            Assert.Equal(true, (bool)At(result, "done"), "done");
            Assert.Equal((long)events.Count, (long)At(result, "event_count"), "event_count");
            Assert.Equal("{\"q\":\"x\"}", Str(result, "tool_calls", 0, "params"), "tool params joined");
            Assert.Equal("found", Str(result, "tool_calls", 0, "response"), "tool response");
            Assert.True(events.Any(e => e.Event == "flowNodeStatus" && e.Text == null), "flowNodeStatus, text null");
            StreamEvent done = events.Single(e => e.IsDone);
            Assert.Equal("[DONE]", done.Data, "done data");
            Assert.Null(done.Text, "done text");
            Assert.Equal("flowResponses", events.Last().Event, "trailing flowResponses delivered");
            Assert.True(At(result, "flow_responses") is JsonArray, "flow_responses array");
        }

        [Test]
        public void StreamNullCallbackStillAccumulates()
        {
            JsonObject result = Obj(_client.CreateChatCompletionStream(Request("quiet"), null));
            Assert.Equal("You said: quiet", Str(result, "answer"), "answer");
            Assert.True((long)At(result, "event_count") > 2, "events counted");
        }

        [Test]
        public void StreamPullAndCallbackFormsAgree()
        {
            // detail:false frames are deterministic: compare events and result exactly.
            string req = Request("same events 中文🙂", null, false, "RcidSameForBothForms0001");
            var pushed = new List<StreamEvent>();
            string pushResult = _client.CreateChatCompletionStream(req, pushed.Add);
            var pulled = new List<StreamEvent>();
            string pullResult;
            using (ChatStream s = _client.Stream(req))
            {
                foreach (StreamEvent e in s) pulled.Add(e);
                pullResult = s.Result;
            }
            Assert.Equal(pushed.Count, pulled.Count, "event count");
            for (int i = 0; i < pushed.Count; i++) Assert.Equal(pushed[i], pulled[i], "event " + i);
            Assert.Equal(pushResult, pullResult, "result JSON");

            // detail:true: same names, texts and accumulated result apart from timings/ids.
            req = Request("hi /tool /reasoning", null, true, "RcidSameForBothForms0002");
            pushed.Clear();
            pulled.Clear();
            JsonObject a = Obj(_client.CreateChatCompletionStream(req, pushed.Add));
            JsonObject b;
            using (ChatStream s = _client.Stream(req))
            {
                StreamEvent e;
                while ((e = s.Next()) != null) pulled.Add(e);
                Assert.Null(s.Next(), "end is sticky");
                b = Obj(s.Result);
            }
            Assert.Equal(string.Join("|", pushed.Select(e => e.Event + ":" + e.Text)),
                string.Join("|", pulled.Select(e => e.Event + ":" + e.Text)), "event names and texts");
            foreach (string k in new[] { "answer", "reasoning", "finish_reason", "done", "event_count", "tool_calls", "response_chat_item_id", "interactive", "variables" })
                Assert.Equal(Json.Serialize(a[k]), Json.Serialize(b[k]), "result." + k);
        }

        [Test]
        public void StreamAsyncCallbackForm()
        {
            int threadId = -1;
            JsonObject r = Obj(_client.CreateChatCompletionStreamAsync(Request("async stream"), e => threadId = Thread.CurrentThread.ManagedThreadId).Result);
            Assert.Equal("You said: async stream", Str(r, "answer"), "answer");
            Assert.True(threadId != Thread.CurrentThread.ManagedThreadId, "callback ran on the worker thread");
            ChatStream s = _client.OpenStreamAsync(Request("opened async")).Result;
            using (s)
            {
                Assert.Equal("You said: opened async", string.Concat(s.Select(e => e.Text)), "pull text");
                Assert.Equal("You said: opened async", Str(Obj(s.Result), "answer"), "result after enumeration");
            }
        }

        [Test]
        public void HistoryRecordsFeedbackWorkflow()
        {
            string chat = NewChatId();
            string rcid = "Rcid" + chat.Substring(chat.Length - 20);
            _client.CreateChatCompletionStream(Request("workflow question", chat, true, rcid), null);

            JsonObject h = Obj(_client.GetChatHistories(AppId, 0, 100));
            var item = ((JsonArray)At(h, "data", "list")).Cast<JsonObject>().FirstOrDefault(x => x.GetString("chatId") == chat);
            Assert.NotNull(item, "chat listed in histories");
            Assert.Equal("workflow question", item.GetString("title"), "title");
            Assert.Equal(200L, h.GetInt64("code").Value, "envelope code");

            JsonObject init = Obj(_client.GetChatInit(AppId, chat));
            Assert.Equal(chat, Str(init, "data", "chatId"), "init chatId");

            JsonObject rec = Obj(_client.GetChatRecords(AppId, chat, 0, 10, true));
            var list = (JsonArray)At(rec, "data", "list");
            Assert.Equal(2, list.Count, "records");
            Assert.Equal(rcid, Str(list[1], "dataId"), "AI dataId = responseChatItemId");
            Assert.True(At(list[1], "customFeedbacks") is JsonArray, "loadCustomFeedbacks sent");

            JsonObject detail = Obj(_client.GetRecordDetail(AppId, chat, rcid));
            Assert.True(((JsonArray)At(detail, "data")).Count >= 2, "node responses");

            Obj(_client.UpdateChatHistory(AppId, chat, "Renamed 🙂 标题", true));
            h = Obj(_client.GetChatHistories(AppId, 0, 100, ""));
            item = ((JsonArray)At(h, "data", "list")).Cast<JsonObject>().First(x => x.GetString("chatId") == chat);
            Assert.Equal("Renamed 🙂 标题", item.GetString("customTitle"), "customTitle");
            Assert.Equal(true, item.GetBoolean("top"), "pinned");
            Assert.Throws<FastGptException>(() => _client.UpdateChatHistory(AppId, chat), "no change requested");

            _client.SendFeedback(AppId, chat, rcid, "good 👍", null);
            list = (JsonArray)At(Obj(_client.GetChatRecords(AppId, chat)), "data", "list");
            Assert.Equal("good 👍", Str(list[1], "userGoodFeedback"), "good feedback set");
            _client.SendFeedback(AppId, chat, rcid);
            list = (JsonArray)At(Obj(_client.GetChatRecords(AppId, chat)), "data", "list");
            Assert.Null(At(list[1], "userGoodFeedback"), "feedback removed");

            JsonArray q = (JsonArray)At(Obj(_client.GetSuggestedQuestions(AppId, chat, "{\"open\":true}")), "data");
            Assert.Equal(3, q.Count, "3 suggested questions");
            Assert.Contains("workflow question", (string)q[0], "question mentions the topic");

            JsonObject chart = Obj(_client.GetAppLogsChart(AppId, "2025-01-01T00:00:00.000Z", "2025-01-03T00:00:00.000Z", "{\"offset\":2}"));
            Assert.Equal(2L, (long)At(chart, "data", "request", "offset"), "options merged");
            Assert.Equal(AppId, Str(chart, "data", "request", "appId"), "appId sent");
            Assert.Equal(3, ((JsonArray)At(chart, "data", "userData")).Count, "chart points");

            _client.DeleteChatRecord(AppId, chat, rcid);
            list = (JsonArray)At(Obj(_client.GetChatRecords(AppId, chat)), "data", "list");
            Assert.Equal(1, list.Count, "AI record deleted");

            _client.DeleteChatHistory(AppId, chat);
            h = Obj(_client.GetChatHistories(AppId, 0, 100, ""));
            Assert.True(!((JsonArray)At(h, "data", "list")).Cast<JsonObject>().Any(x => x.GetString("chatId") == chat), "chat deleted");
        }

        [Test]
        public void AsyncVariantsOfEveryCall()
        {
            const string app = "65f00000000000000000a5c1";
            string chat = NewChatId();
            string rcid = "AsyncRcid" + chat.Substring(chat.Length - 15);
            Obj(_client.CreateChatCompletionAsync(Request("async workflow", chat, false, rcid, app)).Result);
            var h = Obj(_client.GetChatHistoriesAsync(app, 0, 10).Result);
            Assert.Equal(1L, (long)At(h, "data", "total"), "histories total");
            Assert.Equal(chat, Str(Obj(_client.GetChatInitAsync(app, chat).Result), "data", "chatId"), "init");
            Assert.Equal(2, ((JsonArray)At(Obj(_client.GetChatRecordsAsync(app, chat).Result), "data", "list")).Count, "records");
            Assert.True(At(Obj(_client.GetRecordDetailAsync(app, chat, rcid).Result), "data") is JsonArray, "detail");
            Obj(_client.UpdateChatHistoryAsync(app, chat, "t", null).Result);
            Obj(_client.SendFeedbackAsync(app, chat, rcid, null, "bad").Result);
            Assert.Equal(3, ((JsonArray)At(Obj(_client.GetSuggestedQuestionsAsync(app, chat).Result), "data")).Count, "questions");
            Assert.NotNull(At(Obj(_client.GetAppLogsChartAsync(app, "2025-01-01", "2025-01-02").Result), "data"), "chart");
            Obj(_client.DeleteChatRecordAsync(app, chat, rcid).Result);
            Obj(_client.DeleteChatHistoryAsync(app, chat).Result);
            Obj(_client.CreateChatCompletionAsync(Request("another", NewChatId(), appId: app)).Result);
            Obj(_client.ClearChatHistoriesAsync(app).Result);
            Assert.Equal(0L, (long)At(Obj(_client.GetChatHistoriesAsync(app).Result), "data", "total"), "cleared");
            Assert.Equal("PUT", Str(Obj(_client.RequestAsync("PUT", "/api/__dev/echo").Result), "data", "method"), "request");
            byte[] bytes = Encoding.UTF8.GetBytes("async bytes");
            Assert.Equal("file", Str(Obj(_client.UploadChatBytesAsync(app, chat, "a.txt", bytes).Result), "type"), "bytes upload");
            string path = Path.Combine(Path.GetTempPath(), "fastgpt-cs-async-" + Guid.NewGuid().ToString("N") + ".txt");
            File.WriteAllText(path, "async file");
            try
            {
                Assert.Equal("file", Str(Obj(_client.UploadChatFileAsync(app, chat, path).Result), "type"), "file upload");
            }
            finally { File.Delete(path); }
        }

        [Test]
        public void ClearChatHistories()
        {
            const string app = "65f00000000000000000c1ea";
            _client.CreateChatCompletion(Request("one", NewChatId(), appId: app));
            Assert.Equal(1L, (long)At(Obj(_client.GetChatHistories(app)), "data", "total"), "one chat");
            _client.ClearChatHistories(app);
            Assert.Equal(0L, (long)At(Obj(_client.GetChatHistories(app)), "data", "total"), "cleared");
        }

        [Test]
        public void GenericRequest()
        {
            JsonObject echo = Obj(_client.Request("POST", "/api/__dev/echo", "{\"a\":\"1 2\",\"n\":5,\"f\":true,\"z\":null}",
                "{\"text\":\"héllo 🙂\",\"list\":[1,2.5,null]}"));
            Assert.Equal("POST", Str(echo, "data", "method"), "method");
            Assert.Equal("1 2", Str(echo, "data", "query", "a"), "query string");
            Assert.Equal("5", Str(echo, "data", "query", "n"), "query number");
            Assert.Equal("true", Str(echo, "data", "query", "f"), "query bool");
            Assert.True(!((JsonObject)At(echo, "data", "query")).ContainsKey("z"), "null left out");
            Assert.Equal("héllo 🙂", Str(echo, "data", "body", "text"), "body");
            Assert.Equal(2.5, (double)At(echo, "data", "body", "list", 1), "body number");
            Assert.Contains("Bearer", Str(echo, "data", "headers", "authorization"), "auth header sent");
            JsonObject health = Obj(_client.Request("GET", "/__dev/health"));
            Assert.Equal(true, health.GetBoolean("ok"), "non-envelope JSON is fine for Request");
            var bad = Assert.Throws<FastGptException>(() => _client.Request("PATCH", "/api/x"), "bad method");
            Assert.Equal(FastGptStatus.InvalidArgument, bad.Status, "status");
            bad = Assert.Throws<FastGptException>(() => _client.Request("GET", "/api/../x"), "dot segment");
            Assert.Equal(FastGptStatus.InvalidArgument, bad.Status, "status");
        }

        [Test]
        public void Uploads()
        {
            string chat = NewChatId();
            byte[] png = { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3 };
            string path = Path.Combine(Path.GetTempPath(), "fastgpt-cs-" + Guid.NewGuid().ToString("N") + ".png");
            File.WriteAllBytes(path, png);
            try
            {
                JsonObject f = Obj(_client.UploadChatFile(AppId, chat, path));
                Assert.Equal("image", f.GetString("type"), "file type");
                Assert.Equal(Path.GetFileName(path), f.GetString("name"), "file name");
                Assert.Contains("/__s3/fastgpt-private/", f.GetString("url"), "storage url");
                Assert.NotNull(f.GetString("key"), "key");
            }
            finally { File.Delete(path); }

            byte[] text = Encoding.UTF8.GetBytes("plain text 中文");
            JsonObject b = Obj(_client.UploadChatBytes(AppId, chat, "notes.txt", text, "text/plain"));
            Assert.Equal("file", b.GetString("type"), "bytes type");
            Assert.Equal("notes.txt", b.GetString("name"), "bytes name");

            JsonArray uploads = (JsonArray)Json.Parse(_client.Request("GET", "/__dev/uploads"));
            JsonObject stored = uploads.Cast<JsonObject>().Last(u => u.GetString("key") == b.GetString("key"));
            Assert.Equal((long)text.Length, stored.GetInt64("size").Value, "stored size");
            Assert.Equal("text/plain", stored.GetString("sentContentType"), "content type sent");

            // Zero bytes: data pointer NULL, storage refuses it.
            var e = Assert.Throws<FastGptException>(() => _client.UploadChatBytes(AppId, chat, "empty.bin", new byte[0]), "empty upload");
            Assert.Equal(FastGptStatus.Http, e.Status, "storage error is HTTP");
            Assert.Contains("EntityTooSmall", e.Body, "S3 XML in body");

            e = Assert.Throws<FastGptException>(() => _client.UploadChatFile(AppId, chat, "/nonexistent/file.png"), "missing file");
            Assert.Equal(FastGptStatus.InvalidArgument, e.Status, "missing file status");
            Assert.Null(e.Method, "nothing sent");
        }
    }
}
