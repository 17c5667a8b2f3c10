// FastGptException: a failed libfastgpt call, with every member of the error JSON
// (the C API contract, §3): {"error":{"status","status_name","message","message_key","http_status","api_code",
// "status_text","body","retry_after_ms","request_id","method","url","attempts","timeout",
// "partial"}}.
using System;

namespace FastGpt
{
    /// <summary>The library's status codes (the C API contract, §2). Values are permanent.</summary>
    public enum FastGptStatus
    {
        Ok = 0,
        InvalidArgument = 1,
        Transport = 2,
        Timeout = 3,
        Http = 4,
        Api = 5,
        Protocol = 6,
        StreamIncomplete = 7,
        Aborted = 8,
        Cancelled = 9,
        Panic = 10,
    }

    public class FastGptException : Exception
    {
        /// <summary>The status code returned by the call (an integer outside the enum's
        /// named values when the library is newer than this binding).</summary>
        public FastGptStatus Status { get; private set; }
        /// <summary>"FASTGPT_E_API", ...</summary>
        public string StatusName { get; private set; }
        /// <summary>FastGPT's i18n key when the server's message was one
        /// ("common:code_error.error_message.514"; Message then says it in English); else null.</summary>
        public string MessageKey { get; private set; }
        /// <summary>HTTP status of the last response; null when no response was received.</summary>
        public int? HttpStatus { get; private set; }
        /// <summary>The envelope's or error frame's "code" (514, 429, ...); null when none.</summary>
        public long? ApiCode { get; private set; }
        /// <summary>The envelope's "statusText" ("unAuthApiKey", ...); null when none.</summary>
        public string StatusText { get; private set; }
        /// <summary>The response body (at most 64 KiB, secrets replaced by ***); null when none.</summary>
        public string Body { get; private set; }
        /// <summary>From a Retry-After header, when present.</summary>
        public long? RetryAfterMs { get; private set; }
        /// <summary>The x-request-id response header, when present.</summary>
        public string RequestId { get; private set; }
        /// <summary>"GET", "POST", ...; null when no request was sent.</summary>
        public string Method { get; private set; }
        /// <summary>The last request URL; null when none.</summary>
        public string Url { get; private set; }
        /// <summary>Requests sent, retries and path fallback included.</summary>
        public int Attempts { get; private set; }
        /// <summary>"connect", "request" or "idle" when a timeout fired; else null.</summary>
        public string Timeout { get; private set; }
        /// <summary>Streaming calls: the accumulated result so far (§6 shape); else null.</summary>
        public JsonObject Partial { get; private set; }
        /// <summary>Partial as JSON text, or null.</summary>
        public string PartialJson { get { return Partial == null ? null : Json.Serialize(Partial); } }
        /// <summary>The error JSON exactly as the library returned it (null when the
        /// exception was raised by the binding itself).</summary>
        public string ErrorJson { get; private set; }

        internal FastGptException(FastGptStatus status, string message)
            : this(status, message, null) { }

        internal FastGptException(FastGptStatus status, string message, Exception inner)
            : base(message, inner)
        {
            Status = status;
            StatusName = StatusNameOf(status);
        }

        private FastGptException(string message, Exception inner) : base(message, inner) { }

        /// <summary>Builds the exception from a status code and the library's error JSON.
        /// inner is attached as InnerException (an exception thrown by a stream callback).</summary>
        internal static FastGptException FromError(int status, string errorJson, Exception inner)
        {
            JsonObject err = null;
            Exception parseError = null;
            if (errorJson != null)
            {
                try
                {
                    JsonObject root = Json.ParseObject(errorJson);
                    err = root.GetObject("error");
                }
                catch (FormatException e) { parseError = e; }
            }
            string message = err != null ? err.GetString("message") : null;
            if (message == null)
                message = StatusNameOf((FastGptStatus)status) + (errorJson == null ? "" : ": " + errorJson);
            var ex = new FastGptException(message, inner ?? parseError);
            ex.Status = (FastGptStatus)status;
            ex.ErrorJson = errorJson;
            ex.StatusName = StatusNameOf((FastGptStatus)status);
            if (err != null)
            {
                ex.StatusName = err.GetString("status_name") ?? ex.StatusName;
                ex.MessageKey = err.GetString("message_key");
                ex.HttpStatus = ToInt(err.GetInt64("http_status"));
                ex.ApiCode = err.GetInt64("api_code");
                ex.StatusText = err.GetString("status_text");
                ex.Body = err.GetString("body");
                ex.RetryAfterMs = err.GetInt64("retry_after_ms");
                ex.RequestId = err.GetString("request_id");
                ex.Method = err.GetString("method");
                ex.Url = err.GetString("url");
                ex.Attempts = ToInt(err.GetInt64("attempts")) ?? 0;
                ex.Timeout = err.GetString("timeout");
                ex.Partial = err.GetObject("partial");
            }
            return ex;
        }

        private static int? ToInt(long? v)
        {
            if (v == null) return null;
            long l = v.Value;
            return l > int.MaxValue ? int.MaxValue : l < int.MinValue ? int.MinValue : (int)l;
        }

        /// <summary>fastgpt_status_str for the code.</summary>
        public static string StatusNameOf(FastGptStatus status)
        {
            return Utf8.Read(Native.fastgpt_status_str((int)status));
        }

        public override string ToString()
        {
            return StatusName + ": " + base.ToString();
        }
    }
}
