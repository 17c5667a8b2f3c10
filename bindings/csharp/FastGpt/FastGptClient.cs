// FastGptClient: one libfastgpt client handle and every operation of the C API.
//
// Every operation exists in two forms:
//   - Xxx(..., CancellationToken)            blocks the calling thread (never call it from a UI thread);
//   - XxxAsync(..., CancellationToken)       runs Xxx on a dedicated thread
//                                            (TaskCreationOptions.LongRunning).
// Both return the response JSON as a string and throw FastGptException on failure. When the
// CancellationToken is cancelled, the native cancel token is cancelled (the call returns
// within ~100 ms) and OperationCanceledException is thrown, its InnerException being the
// FastGptException (Status Cancelled; Partial set for streams).
using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace FastGpt
{
    public sealed class FastGptClient : IDisposable
    {
        /// <summary>FASTGPT_VERSION_NUMBER of the header this binding targets (0.1.x).</summary>
        public const int BindingVersionNumber = Native.HeaderVersionNumber;

        private static int s_versionChecked;
        private readonly ClientHandle _handle;

        /// <summary>A client with only api_key and base_url set (null base URL =
        /// http://localhost:3000).</summary>
        public FastGptClient(string apiKey, string baseUrl = null)
        {
            EnsureCompatible();
            if (apiKey == null) throw new ArgumentNullException("apiKey");
            IntPtr client, err;
            int rc;
            using (var args = new Utf8Args())
            {
                IntPtr k = args.Required(apiKey, "apiKey");
                IntPtr u = args.Add(baseUrl, "baseUrl");
                rc = Native.fastgpt_client_new(k, u, out client, out err);
            }
            _handle = Adopt(rc, client, err);
        }

        /// <summary>A client from typed options.</summary>
        public FastGptClient(FastGptClientOptions options)
        {
            EnsureCompatible();
            if (options == null) throw new ArgumentNullException("options");
            _handle = CreateWithOptions(options.ToJson());
        }

        private FastGptClient(ClientHandle handle) { _handle = handle; }

        /// <summary>A client from an options JSON object (the C API contract, §4; unknown keys are an error).</summary>
        public static FastGptClient FromOptionsJson(string optionsJson)
        {
            EnsureCompatible();
            if (optionsJson == null) throw new ArgumentNullException("optionsJson");
            return new FastGptClient(CreateWithOptions(optionsJson));
        }

        private static ClientHandle CreateWithOptions(string optionsJson)
        {
            IntPtr client, err;
            int rc;
            using (var args = new Utf8Args())
            {
                IntPtr o = args.Required(optionsJson, "optionsJson");
                rc = Native.fastgpt_client_new_with_options(o, out client, out err);
            }
            return Adopt(rc, client, err);
        }

        private static ClientHandle Adopt(int rc, IntPtr client, IntPtr err)
        {
            string errJson = Utf8.TakeOwned(err);
            if (rc != 0 || client == IntPtr.Zero)
            {
                if (client != IntPtr.Zero) Native.fastgpt_client_free(client);
                throw FastGptException.FromError(rc == 0 ? (int)FastGptStatus.Panic : rc, errJson, null);
            }
            return new ClientHandle(client);
        }

        // ---- version (the C API contract, §9) ----------------------------------------------------------

        /// <summary>fastgpt_version(): "MAJOR.MINOR.PATCH[-pre]".</summary>
        public static string LibraryVersion { get { return Utf8.Read(Native.fastgpt_version()); } }

        /// <summary>fastgpt_version_number(): MAJOR*1000000 + MINOR*1000 + PATCH.</summary>
        public static int LibraryVersionNumber { get { return Native.fastgpt_version_number(); } }

        /// <summary>While the major version is 0, refuses a library whose MAJOR.MINOR differs
        /// from the binding's. Called by every constructor.</summary>
        public static void EnsureCompatible()
        {
            if (Volatile.Read(ref s_versionChecked) != 0) return;
            int lib = Native.fastgpt_version_number();
            if (lib / 1000 != BindingVersionNumber / 1000)
                throw new NotSupportedException(string.Format(
                    "libfastgpt {0} ({1}) is not compatible with this binding (built for {2}.{3}.x)",
                    LibraryVersion, lib, BindingVersionNumber / 1000000, BindingVersionNumber / 1000 % 1000));
            Volatile.Write(ref s_versionChecked, 1);
        }

        /// <summary>Gives up this object's reference to the native client. Calls and streams
        /// still running on it finish normally (the C API contract, §4.1).</summary>
        public void Dispose() { _handle.Dispose(); }

        // ---- plumbing -------------------------------------------------------------------

        private delegate int NativeCall(IntPtr client, IntPtr cancel, out IntPtr outJson);

        /// <summary>Runs one request function: holds the client and the token for the call,
        /// takes ownership of out_json and maps a failure to an exception.</summary>
        private string Invoke(CancellationToken ct, NativeCall call)
        {
            using (CancelScope scope = CancelScope.ForCall(ct))
            using (var c = new HandleLease(_handle))
            using (var t = new HandleLease(scope == null ? null : scope.Token))
            {
                IntPtr outJson;
                int rc = call(c.Ptr, t.Ptr, out outJson);
                string json = Utf8.TakeOwned(outJson);
                if (rc != 0) throw MakeError(rc, json, null, ct);
                return json;
            }
        }

        internal static Exception MakeError(int rc, string errorJson, Exception inner, CancellationToken ct)
        {
            FastGptException ex = FastGptException.FromError(rc, errorJson, inner);
            if (rc == (int)FastGptStatus.Cancelled && ct.IsCancellationRequested)
                return new OperationCanceledException(ex.Message, ex, ct);
            return ex;
        }

        private static Task<T> RunAsync<T>(Func<T> f, CancellationToken ct)
        {
            // A dedicated thread: the native call blocks it until it returns.
            return Task.Factory.StartNew(f, ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        private static int Top(bool? top) { return top.HasValue ? (top.Value ? 1 : 0) : -1; }

        // ---- completions ----------------------------------------------------------------

        /// <summary>Non-streaming completion; requestJson is the FastGPT request object
        /// ({"messages":[...],"chatId":...,"detail":...}). Returns the completion JSON.</summary>
        public string CreateChatCompletion(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr req = a.Required(requestJson, "requestJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_create_chat_completion(cl, req, tk, out o));
            }
        }

        public Task<string> CreateChatCompletionAsync(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => CreateChatCompletion(requestJson, cancellationToken), cancellationToken);
        }

        private sealed class CallbackState
        {
            internal Action<StreamEvent> Handler;
            internal Exception Error;
        }

        // Kept in a static field: the delegate (and so its native thunk) lives as long as the
        // AppDomain, so it can never be collected while native code holds the pointer.
        private static readonly NativeStreamCallback s_onEvent = OnEvent;
        // Its native entry point, handed to the library (a function pointer, not a delegate
        // parameter, so the P/Invoke signature stays blittable).
        private static readonly IntPtr s_onEventPtr = Marshal.GetFunctionPointerForDelegate(s_onEvent);

        [MonoPInvokeCallback(typeof(NativeStreamCallback))]
        private static int OnEvent(IntPtr userData, IntPtr evt, IntPtr data, IntPtr text)
        {
            // Nothing may escape into native code (the C API contract, §6): catch everything.
            CallbackState state = null;
            try
            {
                state = (CallbackState)GCHandle.FromIntPtr(userData).Target;
                state.Handler(new StreamEvent(Utf8.Read(evt), Utf8.Read(data), Utf8.Read(text)));
                return 0;
            }
            catch (Exception e)
            {
                if (state != null && state.Error == null) state.Error = e;
                return 1;
            }
        }

        /// <summary>
        /// Streaming completion, callback form: onEvent runs on the calling thread for each
        /// SSE event as it arrives (null: events are only accumulated). Returns the accumulated
        /// result JSON ({"answer","reasoning","finish_reason","done","event_count",...}).
        /// An exception thrown by onEvent stops the stream and is rethrown as the
        /// InnerException of a FastGptException (Status Aborted, Partial set).
        /// </summary>
        public string CreateChatCompletionStream(string requestJson, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr req = a.Required(requestJson, "requestJson");
                return InvokeStream(onEvent, cancellationToken, (IntPtr cl, IntPtr cb, IntPtr ud, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_create_chat_completion_stream(cl, req, cb, ud, tk, out o));
            }
        }

        /// <summary>A C function taking a fastgpt_stream_callback: (client, callback,
        /// user_data, cancel, out_json), the other arguments bound by the caller.</summary>
        private delegate int NativeStreamCall(IntPtr client, IntPtr callback, IntPtr userData, IntPtr cancel, out IntPtr outJson);

        /// <summary>The callback form of every streaming call: runs call with the binding's
        /// callback (OnEvent) and a GCHandle to onEvent as user_data; an exception thrown by
        /// onEvent becomes the InnerException of the Aborted FastGptException.</summary>
        private string InvokeStream(Action<StreamEvent> onEvent, CancellationToken cancellationToken, NativeStreamCall call)
        {
            var state = new CallbackState { Handler = onEvent };
            GCHandle gch = GCHandle.Alloc(state);
            try
            {
                using (CancelScope scope = CancelScope.ForCall(cancellationToken))
                using (var c = new HandleLease(_handle))
                using (var t = new HandleLease(scope == null ? null : scope.Token))
                {
                    IntPtr outJson;
                    int rc = call(c.Ptr, onEvent == null ? IntPtr.Zero : s_onEventPtr, GCHandle.ToIntPtr(gch), t.Ptr, out outJson);
                    GC.KeepAlive(s_onEvent);
                    string json = Utf8.TakeOwned(outJson);
                    if (rc != 0) throw MakeError(rc, json, state.Error, cancellationToken);
                    if (state.Error != null) // cannot happen per the contract; never lose an exception
                        throw new FastGptException(FastGptStatus.Aborted, "stream callback failed", state.Error);
                    return json;
                }
            }
            finally
            {
                gch.Free();
            }
        }

        /// <summary>The callback form on a dedicated thread; onEvent runs on that thread.</summary>
        public Task<string> CreateChatCompletionStreamAsync(string requestJson, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => CreateChatCompletionStream(requestJson, onEvent, cancellationToken), cancellationToken);
        }

        /// <summary>
        /// Streaming completion, pull form: sends the request and returns once the response
        /// head has arrived (errors answered as JSON or non-2xx are thrown here). Enumerate
        /// the returned ChatStream, then read its Result. Dispose it (using) to close early.
        /// </summary>
        public ChatStream Stream(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (requestJson == null) throw new ArgumentNullException("requestJson");
            return new ChatStream(_handle, cancellationToken, (Utf8Args a, IntPtr cl, IntPtr tk, out IntPtr st, out IntPtr err) =>
                Native.fastgpt_stream_open(cl, a.Required(requestJson, "requestJson"), tk, out st, out err));
        }

        /// <summary>Stream() on a dedicated thread (opening blocks until the response head).</summary>
        public Task<ChatStream> OpenStreamAsync(string requestJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => Stream(requestJson, cancellationToken), cancellationToken);
        }

#if NET6_0_OR_GREATER
        /// <summary>The pull form as an async sequence; the native reads run on the thread pool.</summary>
        public async System.Collections.Generic.IAsyncEnumerable<StreamEvent> StreamAsync(string requestJson,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ChatStream stream = await OpenStreamAsync(requestJson, cancellationToken).ConfigureAwait(false);
            try
            {
                // (ChatStream is both IAsyncEnumerable and IAsyncDisposable, so the casts pick
                // the intended ConfigureAwait/WithCancellation extensions.)
                var events = (System.Collections.Generic.IAsyncEnumerable<StreamEvent>)stream;
                await foreach (StreamEvent e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
                    yield return e;
            }
            finally
            {
                await ((IAsyncDisposable)stream).DisposeAsync().ConfigureAwait(false);
            }
        }
#endif

#if NET6_0_OR_GREATER
        /// <summary>The resume's pull form as an async sequence; the native reads run on the thread pool.</summary>
        public async System.Collections.Generic.IAsyncEnumerable<StreamEvent> ResumeStreamAsync(string appId, string chatId,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            ChatStream stream = await OpenResumeStreamAsync(appId, chatId, cancellationToken).ConfigureAwait(false);
            try
            {
                var events = (System.Collections.Generic.IAsyncEnumerable<StreamEvent>)stream;
                await foreach (StreamEvent e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
                    yield return e;
            }
            finally
            {
                await ((IAsyncDisposable)stream).DisposeAsync().ConfigureAwait(false);
            }
        }
#endif

        // ---- chat history and records ---------------------------------------------------

        /// <summary>source: null sends "api"; "" lists chats of every source.</summary>
        public string GetChatHistories(string appId, int offset = 0, int pageSize = 20, string source = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), src = a.Add(source, "source");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_chat_histories(cl, app, offset, pageSize, src, tk, out o));
            }
        }

        public Task<string> GetChatHistoriesAsync(string appId, int offset = 0, int pageSize = 20, string source = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetChatHistories(appId, offset, pageSize, source, cancellationToken), cancellationToken);
        }

        public string GetChatInit(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_chat_init(cl, app, chat, tk, out o));
            }
        }

        public Task<string> GetChatInitAsync(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetChatInit(appId, chatId, cancellationToken), cancellationToken);
        }

        public string GetChatRecords(string appId, string chatId, int offset = 0, int pageSize = 20,
            bool loadCustomFeedbacks = false, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                int flag = loadCustomFeedbacks ? 1 : 0;
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_chat_records(cl, app, chat, offset, pageSize, flag, tk, out o));
            }
        }

        public Task<string> GetChatRecordsAsync(string appId, string chatId, int offset = 0, int pageSize = 20,
            bool loadCustomFeedbacks = false, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetChatRecords(appId, chatId, offset, pageSize, loadCustomFeedbacks, cancellationToken), cancellationToken);
        }

        public string GetRecordDetail(string appId, string chatId, string dataId,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), data = a.Required(dataId, "dataId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_record_detail(cl, app, chat, data, tk, out o));
            }
        }

        public Task<string> GetRecordDetailAsync(string appId, string chatId, string dataId,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetRecordDetail(appId, chatId, dataId, cancellationToken), cancellationToken);
        }

        /// <summary>customTitle: null leaves it, "" clears it. top: null leaves the pin.
        /// At least one of them must be given.</summary>
        public string UpdateChatHistory(string appId, string chatId, string customTitle = null, bool? top = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), title = a.Add(customTitle, "customTitle");
                int pin = Top(top);
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_update_chat_history(cl, app, chat, title, pin, tk, out o));
            }
        }

        public Task<string> UpdateChatHistoryAsync(string appId, string chatId, string customTitle = null, bool? top = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => UpdateChatHistory(appId, chatId, customTitle, top, cancellationToken), cancellationToken);
        }

        public string DeleteChatHistory(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_delete_chat_history(cl, app, chat, tk, out o));
            }
        }

        public Task<string> DeleteChatHistoryAsync(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => DeleteChatHistory(appId, chatId, cancellationToken), cancellationToken);
        }

        public string ClearChatHistories(string appId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_clear_chat_histories(cl, app, tk, out o));
            }
        }

        public Task<string> ClearChatHistoriesAsync(string appId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => ClearChatHistories(appId, cancellationToken), cancellationToken);
        }

        /// <summary>contentId: the record's dataId.</summary>
        public string DeleteChatRecord(string appId, string chatId, string contentId,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), content = a.Required(contentId, "contentId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_delete_chat_record(cl, app, chat, content, tk, out o));
            }
        }

        public Task<string> DeleteChatRecordAsync(string appId, string chatId, string contentId,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => DeleteChatRecord(appId, chatId, contentId, cancellationToken), cancellationToken);
        }

        /// <summary>Sets each feedback given and removes each null one (both null removes both).</summary>
        public string SendFeedback(string appId, string chatId, string dataId, string userGoodFeedback = null,
            string userBadFeedback = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), data = a.Required(dataId, "dataId");
                IntPtr good = a.Add(userGoodFeedback, "userGoodFeedback"), bad = a.Add(userBadFeedback, "userBadFeedback");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_send_feedback(cl, app, chat, data, good, bad, tk, out o));
            }
        }

        public Task<string> SendFeedbackAsync(string appId, string chatId, string dataId, string userGoodFeedback = null,
            string userBadFeedback = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => SendFeedback(appId, chatId, dataId, userGoodFeedback, userBadFeedback, cancellationToken), cancellationToken);
        }

        /// <summary>questionGuideJson: optional JSON object sent as questionGuide.</summary>
        public string GetSuggestedQuestions(string appId, string chatId, string questionGuideJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), guide = a.Add(questionGuideJson, "questionGuideJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_suggested_questions(cl, app, chat, guide, tk, out o));
            }
        }

        public Task<string> GetSuggestedQuestionsAsync(string appId, string chatId, string questionGuideJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetSuggestedQuestions(appId, chatId, questionGuideJson, cancellationToken), cancellationToken);
        }

        /// <summary>Commercial edition usage chart. optionsJson: optional JSON object merged
        /// over the defaults.</summary>
        public string GetAppLogsChart(string appId, string dateStart, string dateEnd, string optionsJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), start = a.Required(dateStart, "dateStart"), end = a.Required(dateEnd, "dateEnd");
                IntPtr opts = a.Add(optionsJson, "optionsJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_app_logs_chart(cl, app, start, end, opts, tk, out o));
            }
        }

        public Task<string> GetAppLogsChartAsync(string appId, string dateStart, string dateEnd, string optionsJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetAppLogsChart(appId, dateStart, dateEnd, optionsJson, cancellationToken), cancellationToken);
        }

        /// <summary>Any other endpoint. method: "GET", "POST", "PUT" or "DELETE"; path:
        /// "/api/..."; queryJson: optional object of scalars; bodyJson: optional JSON.</summary>
        public string Request(string method, string path, string queryJson = null, string bodyJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr m = a.Required(method, "method"), p = a.Required(path, "path");
                IntPtr q = a.Add(queryJson, "queryJson"), b = a.Add(bodyJson, "bodyJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_request(cl, m, p, q, b, tk, out o));
            }
        }

        public Task<string> RequestAsync(string method, string path, string queryJson = null, string bodyJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => Request(method, path, queryJson, bodyJson, cancellationToken), cancellationToken);
        }

        // ---- revision 3: the FastGPT 4.14-4.16 chat surface -------------------------------

        /// <summary>Stops a running generation of chatId (only v2 runs poll the stop flag; a
        /// v1 run stops only when its client disconnects). The envelope's data is
        /// {"success","completed"?,"chatGenerateStatus"?}. FastGPT 4.14.5+.</summary>
        public string StopChatCompletion(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_stop_chat_completion(cl, app, chat, tk, out o));
            }
        }

        public Task<string> StopChatCompletionAsync(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => StopChatCompletion(appId, chatId, cancellationToken), cancellationToken);
        }

        /// <summary>
        /// Picks up chatId's stream after a disconnect (FastGPT 4.14.11+; the round must have
        /// been started by a v2 streaming completion on a client with StreamResume). onEvent
        /// gets the events as CreateChatCompletionStream's, plus "resumePhase" ("catchup", then
        /// "live"), "resumeUnavailable" and "resumeCompleted". The catch-up replays the round
        /// from its start: the result is the round's whole result with
        /// "resume":{"phase","completed","unavailable_reason","records"} added (records: the
        /// final records "resumeCompleted" carried, else null). A chat that is no longer
        /// generating answers with "resumeCompleted" and "done".
        /// </summary>
        public string ResumeChatCompletionStream(string appId, string chatId, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                return InvokeStream(onEvent, cancellationToken, (IntPtr cl, IntPtr cb, IntPtr ud, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_resume_chat_completion_stream(cl, app, chat, cb, ud, tk, out o));
            }
        }

        /// <summary>The callback form of the resume on a dedicated thread; onEvent runs on that thread.</summary>
        public Task<string> ResumeChatCompletionStreamAsync(string appId, string chatId, Action<StreamEvent> onEvent,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => ResumeChatCompletionStream(appId, chatId, onEvent, cancellationToken), cancellationToken);
        }

        /// <summary>The resume as a pull stream (fastgpt_stream_resume_open); its Result carries "resume" too.</summary>
        public ChatStream ResumeStream(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            if (appId == null) throw new ArgumentNullException("appId");
            if (chatId == null) throw new ArgumentNullException("chatId");
            return new ChatStream(_handle, cancellationToken, (Utf8Args a, IntPtr cl, IntPtr tk, out IntPtr st, out IntPtr err) =>
                Native.fastgpt_stream_resume_open(cl, a.Required(appId, "appId"), a.Required(chatId, "chatId"), tk, out st, out err));
        }

        /// <summary>ResumeStream() on a dedicated thread (opening blocks until the response head).</summary>
        public Task<ChatStream> OpenResumeStreamAsync(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => ResumeStream(appId, chatId, cancellationToken), cancellationToken);
        }

        /// <summary>A JSON array of strings, for the chatIds parameters.</summary>
        private static string IdArray(System.Collections.Generic.IEnumerable<string> ids)
        {
            if (ids == null) throw new ArgumentNullException("chatIds");
            var arr = new JsonArray();
            foreach (string id in ids) arr.Add(id);
            return Json.Serialize(arr);
        }

        /// <summary>The generation status and read mark of 1 to 200 chats. data
        /// {"list":[{"chatId","updateTime","chatGenerateStatus","hasBeenRead"?}]}; unknown ids
        /// are left out.</summary>
        public string GetHistoryStatus(string appId, System.Collections.Generic.IEnumerable<string> chatIds,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return GetHistoryStatusJson(appId, IdArray(chatIds), cancellationToken);
        }

        /// <summary>GetHistoryStatus with the ids as a JSON array.</summary>
        public string GetHistoryStatusJson(string appId, string chatIdsJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), ids = a.Required(chatIdsJson, "chatIdsJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_history_status(cl, app, ids, tk, out o));
            }
        }

        public Task<string> GetHistoryStatusAsync(string appId, System.Collections.Generic.IEnumerable<string> chatIds,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            string json = IdArray(chatIds);
            return RunAsync(() => GetHistoryStatusJson(appId, json, cancellationToken), cancellationToken);
        }

        /// <summary>Marks chatId read (FastGPT also moves it to the top of the history list).</summary>
        public string MarkChatRead(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_mark_chat_read(cl, app, chat, tk, out o));
            }
        }

        public Task<string> MarkChatReadAsync(string appId, string chatId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => MarkChatRead(appId, chatId, cancellationToken), cancellationToken);
        }

        /// <summary>Deletes the chats (at least one id) for good.</summary>
        public string DeleteChatHistories(string appId, System.Collections.Generic.IEnumerable<string> chatIds,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return DeleteChatHistoriesJson(appId, IdArray(chatIds), cancellationToken);
        }

        /// <summary>DeleteChatHistories with the ids as a JSON array.</summary>
        public string DeleteChatHistoriesJson(string appId, string chatIdsJson, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), ids = a.Required(chatIdsJson, "chatIdsJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_delete_chat_histories(cl, app, ids, tk, out o));
            }
        }

        public Task<string> DeleteChatHistoriesAsync(string appId, System.Collections.Generic.IEnumerable<string> chatIds,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            string json = IdArray(chatIds);
            return RunAsync(() => DeleteChatHistoriesJson(appId, json, cancellationToken), cancellationToken);
        }

        /// <summary>Cursor paging of a chat's records. optionsJson members are passed through:
        /// "prevId" | "nextId" | "initialId" (dataIds), "loadCustomFeedbacks", "includeDeleted",
        /// "type". data {"list","total","hasMorePrev","hasMoreNext"}.</summary>
        public string GetChatRecordsV2(string appId, string chatId, int pageSize = 20, string optionsJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), opts = a.Add(optionsJson, "optionsJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_chat_records_v2(cl, app, chat, pageSize, opts, tk, out o));
            }
        }

        public Task<string> GetChatRecordsV2Async(string appId, string chatId, int pageSize = 20, string optionsJson = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetChatRecordsV2(appId, chatId, pageSize, optionsJson, cancellationToken), cancellationToken);
        }

        /// <summary>A download URL (valid about an hour) for key, a file uploaded to this chat;
        /// the envelope's data is the URL string.</summary>
        public string GetChatFileUrl(string appId, string chatId, string key, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), k = a.Required(key, "key");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_chat_file_url(cl, app, chat, k, tk, out o));
            }
        }

        public Task<string> GetChatFileUrlAsync(string appId, string chatId, string key, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetChatFileUrl(appId, chatId, key, cancellationToken), cancellationToken);
        }

        /// <summary>Commercial edition: data {"totalUsers","totalChats","totalPoints"}.</summary>
        public string GetAppLogsTotal(string appId, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_app_logs_total(cl, app, tk, out o));
            }
        }

        public Task<string> GetAppLogsTotalAsync(string appId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetAppLogsTotal(appId, cancellationToken), cancellationToken);
        }

        /// <summary>The app's chat logs between dateStart and dateEnd (ISO-8601); optionsJson
        /// members are passed through ("sources", "tmbIds", "chatSearch", "feedbackType",
        /// "unreadOnly", "errorFilter", ...). API keys from FastGPT 4.15.2.</summary>
        public string GetAppLogs(string appId, string dateStart, string dateEnd, int offset = 0, int pageSize = 20,
            string optionsJson = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), start = a.Required(dateStart, "dateStart"), end = a.Required(dateEnd, "dateEnd");
                IntPtr opts = a.Add(optionsJson, "optionsJson");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_get_app_logs(cl, app, start, end, offset, pageSize, opts, tk, out o));
            }
        }

        public Task<string> GetAppLogsAsync(string appId, string dateStart, string dateEnd, int offset = 0, int pageSize = 20,
            string optionsJson = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => GetAppLogs(appId, dateStart, dateEnd, offset, pageSize, optionsJson, cancellationToken), cancellationToken);
        }

        // ---- uploads --------------------------------------------------------------------

        /// <summary>Uploads a file to chat storage; returns {"url","key","name","type","preview_url"}.</summary>
        public string UploadChatFile(string appId, string chatId, string filePath,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            using (var a = new Utf8Args())
            {
                IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), file = a.Required(filePath, "filePath");
                return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                    Native.fastgpt_upload_chat_file(cl, app, chat, file, tk, out o));
            }
        }

        public Task<string> UploadChatFileAsync(string appId, string chatId, string filePath,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => UploadChatFile(appId, chatId, filePath, cancellationToken), cancellationToken);
        }

        /// <summary>Uploads bytes as fileName; contentType null or "" detects it. The array is
        /// pinned for the duration of the call (no copy).</summary>
        public string UploadChatBytes(string appId, string chatId, string fileName, byte[] data, string contentType = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            if (data == null) throw new ArgumentNullException("data");
            GCHandle pin = GCHandle.Alloc(data, GCHandleType.Pinned);
            try
            {
                using (var a = new Utf8Args())
                {
                    IntPtr app = a.Required(appId, "appId"), chat = a.Required(chatId, "chatId"), name = a.Required(fileName, "fileName");
                    IntPtr type = a.Add(contentType, "contentType");
                    IntPtr bytes = data.Length == 0 ? IntPtr.Zero : pin.AddrOfPinnedObject();
                    UIntPtr len = new UIntPtr((uint)data.Length);
                    return Invoke(cancellationToken, (IntPtr cl, IntPtr tk, out IntPtr o) =>
                        Native.fastgpt_upload_chat_bytes(cl, app, chat, name, type, bytes, len, tk, out o));
                }
            }
            finally
            {
                pin.Free();
            }
        }

        public Task<string> UploadChatBytesAsync(string appId, string chatId, string fileName, byte[] data, string contentType = null,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return RunAsync(() => UploadChatBytes(appId, chatId, fileName, data, contentType, cancellationToken), cancellationToken);
        }
    }
}
