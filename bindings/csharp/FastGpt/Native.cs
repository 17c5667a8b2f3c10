// P/Invoke declarations for every function of include/fastgpt.h (libfastgpt 0.1, contract revision 3).
//
// Rules (the C API contract, binding rules): Cdecl everywhere; every string crosses as IntPtr
// (UTF-8, converted by hand in Utf8.cs, never with the default string marshalling); every
// returned char* is received as IntPtr and freed with fastgpt_string_free; handles cross as
// IntPtr and are owned by the SafeHandle subclasses in Handles.cs; size_t is UIntPtr; the
// stream callback crosses as a function pointer (IntPtr).
//
// Every signature uses only int, IntPtr, UIntPtr and `out IntPtr`, so each declaration can
// become a .NET 7+ source-generated [LibraryImport] (static partial, with
// [UnmanagedCallConv(CallConvs = new[] { typeof(CallConvCdecl) })]) without other changes;
// NativeTests.SignaturesAreLibraryImportCompatible checks it.
//
// Adding a C function: copy the declaration of one with the same shape (e.g.
// fastgpt_get_chat_init for an app id + chat id call), keep the parameter order of the
// header, and add the FastGptClient method beside its neighbours.
using System;
using System.Runtime.InteropServices;

namespace FastGpt
{
    /// <summary>The callback type of fastgpt_create_chat_completion_stream.</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    internal delegate int NativeStreamCallback(IntPtr userData, IntPtr evt, IntPtr data, IntPtr text);

    internal static class Native
    {
        internal const string Lib = "fastgpt";

        /// <summary>FASTGPT_VERSION_NUMBER of the header this binding was written against.</summary>
        internal const int HeaderVersionNumber = 1000;

        // ---- endpoint calls -------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_create_chat_completion(IntPtr client, IntPtr requestJson,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_chat_histories(IntPtr client, IntPtr appId, int offset,
            int pageSize, IntPtr source, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_chat_init(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_chat_records(IntPtr client, IntPtr appId, IntPtr chatId,
            int offset, int pageSize, int loadCustomFeedbacks, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_record_detail(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr dataId, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_update_chat_history(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr customTitle, int top, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_delete_chat_history(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_clear_chat_histories(IntPtr client, IntPtr appId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_delete_chat_record(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr contentId, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_send_feedback(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr dataId, IntPtr userGoodFeedback, IntPtr userBadFeedback, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_suggested_questions(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr questionGuideJson, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_app_logs_chart(IntPtr client, IntPtr appId, IntPtr dateStart,
            IntPtr dateEnd, IntPtr optionsJson, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_request(IntPtr client, IntPtr method, IntPtr path,
            IntPtr queryJson, IntPtr bodyJson, IntPtr cancel, out IntPtr outJson);

        // ---- revision 3: the FastGPT 4.14-4.16 chat surface ------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_stop_chat_completion(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_resume_chat_completion_stream(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr callback, IntPtr userData, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_stream_resume_open(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr cancel, out IntPtr outStream, out IntPtr outError);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_history_status(IntPtr client, IntPtr appId, IntPtr chatIdsJson,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_mark_chat_read(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_delete_chat_histories(IntPtr client, IntPtr appId, IntPtr chatIdsJson,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_chat_records_v2(IntPtr client, IntPtr appId, IntPtr chatId,
            int pageSize, IntPtr optionsJson, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_chat_file_url(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr key, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_app_logs_total(IntPtr client, IntPtr appId,
            IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_get_app_logs(IntPtr client, IntPtr appId, IntPtr dateStart,
            IntPtr dateEnd, int offset, int pageSize, IntPtr optionsJson, IntPtr cancel, out IntPtr outJson);

        // ---- client ---------------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_client_new(IntPtr apiKey, IntPtr baseUrl,
            out IntPtr outClient, out IntPtr outError);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_client_new_with_options(IntPtr optionsJson,
            out IntPtr outClient, out IntPtr outError);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_client_free(IntPtr client);

        // ---- cancel token ---------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fastgpt_cancel_token_new();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_cancel_token_cancel(IntPtr token);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_cancel_token_cancel_after(IntPtr token, int ms);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_cancel_token_free(IntPtr token);

        // ---- misc -----------------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_string_free(IntPtr s);

        /// <summary>Static string: never freed.</summary>
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fastgpt_status_str(int code);

        /// <summary>Static string: never freed.</summary>
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr fastgpt_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_version_number();

        // ---- streaming ------------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_create_chat_completion_stream(IntPtr client, IntPtr requestJson,
            IntPtr callback, IntPtr userData, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_stream_open(IntPtr client, IntPtr requestJson, IntPtr cancel,
            out IntPtr outStream, out IntPtr outError);

        /// <summary>outEvent/outData/outText are borrowed (valid until the next call on the
        /// stream); outError is owned.</summary>
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_stream_next(IntPtr stream, out IntPtr outEvent, out IntPtr outData,
            out IntPtr outText, out IntPtr outError);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_stream_result(IntPtr stream, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void fastgpt_stream_free(IntPtr stream);

        // ---- uploads --------------------------------------------------------------------

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_upload_chat_file(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr filePath, IntPtr cancel, out IntPtr outJson);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern int fastgpt_upload_chat_bytes(IntPtr client, IntPtr appId, IntPtr chatId,
            IntPtr fileName, IntPtr contentType, IntPtr data, UIntPtr dataLen, IntPtr cancel, out IntPtr outJson);
    }

    /// <summary>
    /// Mono's AOT compiler (Xamarin, Unity) recognises this attribute by name: it marks static
    /// methods that native code calls through a function pointer. Declared here because the
    /// framework assemblies do not ship it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type delegateType) { DelegateType = delegateType; }
        public Type DelegateType { get; private set; }
    }
}
