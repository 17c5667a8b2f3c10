// UTF-8 marshalling by hand (the C API contract, §10): strings go in as NUL-terminated UTF-8 allocated
// with Marshal.AllocHGlobal and freed after the call; strings come back as IntPtr, are
// decoded by scanning for the NUL, and owned ones are freed with fastgpt_string_free.
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace FastGpt
{
    internal static class Utf8
    {
        // Strict: a lone surrogate in a .NET string is an error, not a silent U+FFFD.
        private static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>Allocates a NUL-terminated UTF-8 copy of s (IntPtr.Zero for null). Free it
        /// with Free. Throws ArgumentException for an embedded NUL or a lone surrogate.</summary>
        internal static IntPtr Alloc(string s, string paramName)
        {
            if (s == null) return IntPtr.Zero;
            if (s.IndexOf('\0') >= 0)
                throw new ArgumentException("string contains a NUL character", paramName);
            byte[] bytes;
            try { bytes = Strict.GetBytes(s); }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("string is not valid UTF-16 (lone surrogate)", paramName, e);
            }
            IntPtr p = Marshal.AllocHGlobal(bytes.Length + 1);
            Marshal.Copy(bytes, 0, p, bytes.Length);
            Marshal.WriteByte(p, bytes.Length, 0);
            return p;
        }

        internal static void Free(IntPtr p)
        {
            if (p != IntPtr.Zero) Marshal.FreeHGlobal(p);
        }

        /// <summary>Decodes a borrowed NUL-terminated UTF-8 string (null for IntPtr.Zero).
        /// Does not free it.</summary>
        internal static unsafe string Read(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            byte* b = (byte*)p;
            int n = 0;
            while (b[n] != 0) n++;
            if (n == 0) return string.Empty;
            // The library promises valid UTF-8; a replacement decoder keeps us safe anyway.
            return Encoding.UTF8.GetString(b, n);
        }

        /// <summary>Decodes a string owned by the caller, then frees it with
        /// fastgpt_string_free (also when decoding fails).</summary>
        internal static string TakeOwned(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            try { return Read(p); }
            finally { Native.fastgpt_string_free(p); }
        }
    }

    /// <summary>Owns the UTF-8 arguments of one native call; Dispose frees them all.</summary>
    internal sealed class Utf8Args : IDisposable
    {
        private readonly List<IntPtr> _ptrs = new List<IntPtr>(6);

        internal IntPtr Add(string s, string paramName)
        {
            IntPtr p = Utf8.Alloc(s, paramName);
            if (p != IntPtr.Zero) _ptrs.Add(p);
            return p;
        }

        /// <summary>Like Add, but a null string is an ArgumentNullException.</summary>
        internal IntPtr Required(string s, string paramName)
        {
            if (s == null) throw new ArgumentNullException(paramName);
            return Add(s, paramName);
        }

        public void Dispose()
        {
            foreach (IntPtr p in _ptrs) Utf8.Free(p);
            _ptrs.Clear();
        }
    }
}
