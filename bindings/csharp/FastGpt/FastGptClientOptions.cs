using System;
using System.Collections.Generic;

namespace FastGpt
{
    /// <summary>
    /// Typed form of the options JSON of fastgpt_client_new_with_options (the C API contract, §4).
    /// Properties left null are not sent, so the library default applies.
    /// </summary>
    public sealed class FastGptClientOptions
    {
        public string ApiKey { get; set; }
        /// <summary>Default http://localhost:3000; a trailing /, /api, /api/v1 or /api/v2 is removed.</summary>
        public string BaseUrl { get; set; }
        public int? ConnectTimeoutMs { get; set; }
        /// <summary>0 = no limit.</summary>
        public int? TimeoutMs { get; set; }
        /// <summary>0 = no limit.</summary>
        public int? CompletionTimeoutMs { get; set; }
        /// <summary>0 = no limit.</summary>
        public int? StreamIdleTimeoutMs { get; set; }
        /// <summary>The longest one streaming attempt may take, start to EOF; 0 = no limit
        /// (the default). Reported as timeout "request".</summary>
        public int? StreamTimeoutMs { get; set; }
        public int? MaxRetries { get; set; }
        public int? RetryDelayMs { get; set; }
        public int? MaxRetryAfterMs { get; set; }
        /// <summary>Extra headers sent to FastGPT (never to upload storage).</summary>
        public IDictionary<string, string> Headers { get; set; }
        /// <summary>"platform" or "webpki".</summary>
        public string TlsRoots { get; set; }
        public string CaCertPem { get; set; }
        /// <summary>http:// or socks5:// URL; "" = no proxy; null = from the environment.</summary>
        public string Proxy { get; set; }
        /// <summary>"auto", "current" or "legacy".</summary>
        public string ApiPaths { get; set; }
        /// <summary>"v1" or "v2".</summary>
        public string CompletionsApi { get; set; }
        public int? MaxResponseBytes { get; set; }
        public int? MaxEventBytes { get; set; }
        /// <summary>Streaming completions send x-fastgpt-stream-resume: 1, so that FastGPT
        /// (4.14.11+, v2 completions) keeps a replay for ResumeChatCompletionStream.</summary>
        public bool? StreamResume { get; set; }

        /// <summary>The options JSON object.</summary>
        public string ToJson()
        {
            var o = new JsonObject();
            o["api_key"] = ApiKey;
            Put(o, "base_url", BaseUrl);
            Put(o, "connect_timeout_ms", ConnectTimeoutMs);
            Put(o, "timeout_ms", TimeoutMs);
            Put(o, "completion_timeout_ms", CompletionTimeoutMs);
            Put(o, "stream_idle_timeout_ms", StreamIdleTimeoutMs);
            Put(o, "stream_timeout_ms", StreamTimeoutMs);
            Put(o, "max_retries", MaxRetries);
            Put(o, "retry_delay_ms", RetryDelayMs);
            Put(o, "max_retry_after_ms", MaxRetryAfterMs);
            if (Headers != null)
            {
                var h = new JsonObject();
                foreach (var kv in Headers) h[kv.Key] = kv.Value;
                o["headers"] = h;
            }
            Put(o, "tls_roots", TlsRoots);
            Put(o, "ca_cert_pem", CaCertPem);
            Put(o, "proxy", Proxy);
            Put(o, "api_paths", ApiPaths);
            Put(o, "completions_api", CompletionsApi);
            Put(o, "max_response_bytes", MaxResponseBytes);
            Put(o, "max_event_bytes", MaxEventBytes);
            if (StreamResume.HasValue) o["stream_resume"] = StreamResume.Value;
            return Json.Serialize(o);
        }

        private static void Put(JsonObject o, string key, string v) { if (v != null) o[key] = v; }
        private static void Put(JsonObject o, string key, int? v) { if (v.HasValue) o[key] = (long)v.Value; }
    }
}
