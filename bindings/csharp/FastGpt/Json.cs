// A small, strict JSON reader and writer (RFC 8259), because Mono ships no System.Text.Json.
//
// Parse maps JSON values to: null, bool, string, long (integers that fit), double (every
// other number), JsonArray (List<object>) and JsonObject (members in document order; a
// repeated key keeps its first position and its last value). Anything that is not exactly
// one JSON value, optionally surrounded by whitespace, is a FormatException.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace FastGpt
{
    /// <summary>A JSON array.</summary>
    public sealed class JsonArray : List<object>
    {
        public JsonArray() { }
        public JsonArray(IEnumerable<object> items) : base(items) { }
    }

    /// <summary>A JSON object with members in document order.</summary>
    public sealed class JsonObject : IEnumerable<KeyValuePair<string, object>>
    {
        private readonly List<string> _order = new List<string>();
        private readonly Dictionary<string, object> _map = new Dictionary<string, object>(StringComparer.Ordinal);

        public int Count { get { return _order.Count; } }
        public IList<string> Keys { get { return _order.AsReadOnly(); } }
        public bool ContainsKey(string key) { return _map.ContainsKey(key); }
        public bool TryGetValue(string key, out object value) { return _map.TryGetValue(key, out value); }

        /// <summary>The member's value; null when the member is absent or JSON null.</summary>
        public object this[string key]
        {
            get { object v; return _map.TryGetValue(key, out v) ? v : null; }
            set { if (!_map.ContainsKey(key)) _order.Add(key); _map[key] = value; }
        }

        public string GetString(string key) { return this[key] as string; }
        public JsonObject GetObject(string key) { return this[key] as JsonObject; }
        public JsonArray GetArray(string key) { return this[key] as JsonArray; }

        /// <summary>An integer member (null when absent, null or not an integer).</summary>
        public long? GetInt64(string key)
        {
            object v = this[key];
            if (v is long) return (long)v;
            if (v is double)
            {
                double d = (double)v;
                if (d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue) return (long)d;
            }
            return null;
        }

        public bool? GetBoolean(string key)
        {
            object v = this[key];
            return v is bool ? (bool?)(bool)v : null;
        }

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
        {
            foreach (string k in _order) yield return new KeyValuePair<string, object>(k, _map[k]);
        }

        IEnumerator IEnumerable.GetEnumerator() { return GetEnumerator(); }

        public override string ToString() { return Json.Serialize(this); }
    }

    public static class Json
    {
        private const int MaxDepth = 512;

        /// <summary>Parses exactly one JSON value.</summary>
        public static object Parse(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            var p = new Parser(text);
            p.SkipWs();
            object v = p.ParseValue(0);
            p.SkipWs();
            if (p.Pos != text.Length) throw p.Error("unexpected data after the JSON value");
            return v;
        }

        /// <summary>Parses a JSON object (FormatException for any other value).</summary>
        public static JsonObject ParseObject(string text)
        {
            JsonObject o = Parse(text) as JsonObject;
            if (o == null) throw new FormatException("JSON value is not an object");
            return o;
        }

        /// <summary>s as a JSON string literal (null gives "null").</summary>
        public static string Quote(string s)
        {
            if (s == null) return "null";
            var sb = new StringBuilder(s.Length + 2);
            WriteString(sb, s);
            return sb.ToString();
        }

        /// <summary>Serialises null, bool, string, integers, floating-point numbers, JsonObject,
        /// IDictionary (string keys) and IEnumerable values.</summary>
        public static string Serialize(object value)
        {
            var sb = new StringBuilder();
            Write(sb, value, 0);
            return sb.ToString();
        }

        private static void Write(StringBuilder sb, object v, int depth)
        {
            if (depth > MaxDepth) throw new ArgumentException("value nested too deeply");
            if (v == null) { sb.Append("null"); return; }
            string s = v as string;
            if (s != null) { WriteString(sb, s); return; }
            if (v is bool) { sb.Append((bool)v ? "true" : "false"); return; }
            if (v is int || v is long || v is short || v is sbyte || v is byte || v is ushort || v is uint || v is ulong)
            {
                sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture));
                return;
            }
            if (v is double || v is float || v is decimal)
            {
                double d = Convert.ToDouble(v, CultureInfo.InvariantCulture);
                if (double.IsNaN(d) || double.IsInfinity(d)) throw new ArgumentException("NaN and infinities are not JSON");
                sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            JsonObject jo = v as JsonObject;
            if (jo != null)
            {
                sb.Append('{');
                bool first = true;
                foreach (var kv in jo)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, kv.Key);
                    sb.Append(':');
                    Write(sb, kv.Value, depth + 1);
                }
                sb.Append('}');
                return;
            }
            IDictionary dict = v as IDictionary;
            if (dict != null)
            {
                sb.Append('{');
                bool first = true;
                foreach (DictionaryEntry e in dict)
                {
                    string key = e.Key as string;
                    if (key == null) throw new ArgumentException("JSON object keys must be strings");
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    Write(sb, e.Value, depth + 1);
                }
                sb.Append('}');
                return;
            }
            IEnumerable seq = v as IEnumerable;
            if (seq != null)
            {
                sb.Append('[');
                bool first = true;
                foreach (object item in seq)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(sb, item, depth + 1);
                }
                sb.Append(']');
                return;
            }
            throw new ArgumentException("cannot serialise a " + v.GetType().FullName + " as JSON");
        }

        private static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else
                            sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        private sealed class Parser
        {
            private readonly string _s;
            internal int Pos;

            internal Parser(string s) { _s = s; }

            internal FormatException Error(string what)
            {
                return new FormatException("invalid JSON at offset " + Pos.ToString(CultureInfo.InvariantCulture) + ": " + what);
            }

            internal void SkipWs()
            {
                while (Pos < _s.Length)
                {
                    char c = _s[Pos];
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') Pos++;
                    else break;
                }
            }

            internal object ParseValue(int depth)
            {
                if (depth > MaxDepth) throw Error("nested too deeply");
                if (Pos >= _s.Length) throw Error("unexpected end of input");
                char c = _s[Pos];
                switch (c)
                {
                    case '{': return ParseObject(depth);
                    case '[': return ParseArray(depth);
                    case '"': return ParseString();
                    case 't': Literal("true"); return true;
                    case 'f': Literal("false"); return false;
                    case 'n': Literal("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return ParseNumber();
                        throw Error("unexpected character '" + c + "'");
                }
            }

            private void Literal(string word)
            {
                if (string.CompareOrdinal(_s, Pos, word, 0, word.Length) != 0) throw Error("invalid literal");
                Pos += word.Length;
            }

            private JsonObject ParseObject(int depth)
            {
                var o = new JsonObject();
                Pos++; // {
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == '}') { Pos++; return o; }
                while (true)
                {
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != '"') throw Error("expected a member name");
                    string key = ParseString();
                    SkipWs();
                    if (Pos >= _s.Length || _s[Pos] != ':') throw Error("expected ':'");
                    Pos++;
                    SkipWs();
                    o[key] = ParseValue(depth + 1);
                    SkipWs();
                    if (Pos >= _s.Length) throw Error("unterminated object");
                    char c = _s[Pos++];
                    if (c == '}') return o;
                    if (c != ',') { Pos--; throw Error("expected ',' or '}'"); }
                }
            }

            private JsonArray ParseArray(int depth)
            {
                var a = new JsonArray();
                Pos++; // [
                SkipWs();
                if (Pos < _s.Length && _s[Pos] == ']') { Pos++; return a; }
                while (true)
                {
                    SkipWs();
                    a.Add(ParseValue(depth + 1));
                    SkipWs();
                    if (Pos >= _s.Length) throw Error("unterminated array");
                    char c = _s[Pos++];
                    if (c == ']') return a;
                    if (c != ',') { Pos--; throw Error("expected ',' or ']'"); }
                }
            }

            private string ParseString()
            {
                Pos++; // opening quote
                StringBuilder sb = null;
                int runStart = Pos;
                while (true)
                {
                    if (Pos >= _s.Length) throw Error("unterminated string");
                    char c = _s[Pos];
                    if (c == '"')
                    {
                        string tail = _s.Substring(runStart, Pos - runStart);
                        Pos++;
                        return sb == null ? tail : sb.Append(tail).ToString();
                    }
                    if (c < 0x20) throw Error("control character in string");
                    if (c != '\\') { Pos++; continue; }
                    if (sb == null) sb = new StringBuilder();
                    sb.Append(_s, runStart, Pos - runStart);
                    Pos++; // backslash
                    if (Pos >= _s.Length) throw Error("unterminated escape");
                    char e = _s[Pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            // A surrogate pair arrives as two \u escapes; appending both UTF-16
                            // units rebuilds the character. A lone surrogate is kept as is
                            // (RFC 8259 allows it syntactically).
                            sb.Append(Hex4());
                            break;
                        default: Pos--; throw Error("invalid escape '\\" + e + "'");
                    }
                    runStart = Pos;
                }
            }

            private char Hex4()
            {
                if (Pos + 4 > _s.Length) throw Error("truncated \\u escape");
                int v = 0;
                for (int i = 0; i < 4; i++)
                {
                    char h = _s[Pos + i];
                    int d;
                    if (h >= '0' && h <= '9') d = h - '0';
                    else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
                    else if (h >= 'A' && h <= 'F') d = h - 'A' + 10;
                    else throw Error("invalid \\u escape");
                    v = v * 16 + d;
                }
                Pos += 4;
                return (char)v;
            }

            private object ParseNumber()
            {
                int start = Pos;
                bool integral = true;
                if (_s[Pos] == '-') Pos++;
                if (Pos >= _s.Length) throw Error("truncated number");
                if (_s[Pos] == '0')
                {
                    Pos++;
                }
                else if (_s[Pos] >= '1' && _s[Pos] <= '9')
                {
                    while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++;
                }
                else throw Error("invalid number");
                if (Pos < _s.Length && _s[Pos] == '.')
                {
                    integral = false;
                    Pos++;
                    int digits = Pos;
                    while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++;
                    if (Pos == digits) throw Error("digits expected after '.'");
                }
                if (Pos < _s.Length && (_s[Pos] == 'e' || _s[Pos] == 'E'))
                {
                    integral = false;
                    Pos++;
                    if (Pos < _s.Length && (_s[Pos] == '+' || _s[Pos] == '-')) Pos++;
                    int digits = Pos;
                    while (Pos < _s.Length && _s[Pos] >= '0' && _s[Pos] <= '9') Pos++;
                    if (Pos == digits) throw Error("digits expected in exponent");
                }
                string text = _s.Substring(start, Pos - start);
                if (integral)
                {
                    long l;
                    if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
                }
                try { return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture); }
                catch (OverflowException)
                {
                    // .NET Framework/Mono throw where .NET Core 3+ returns an infinity.
                    return text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
                }
            }
        }
    }
}
