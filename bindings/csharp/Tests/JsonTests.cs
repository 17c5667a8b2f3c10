using System;
using System.Collections.Generic;

namespace FastGpt.Tests
{
    public sealed class JsonTests
    {
        [Test]
        public void ParsesEveryKindOfValue()
        {
            var o = Json.ParseObject(" {\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u4E2D\",\"e\":\"\\ud83d\\ude42\",\"i\":-42,\"big\":12345678901234567890," +
                "\"f\":1.5e3,\"z\":-0.0,\"t\":true,\"n\":null,\"a\":[1,[2,{}],\"x\"],\"o\":{\"k\":[]},\"dup\":1,\"dup\":2} \r\n");
            Assert.Equal("a\"b\\c/d\b\f\n\r\té中", o.GetString("s"), "escapes");
            Assert.Equal("🙂", o.GetString("e"), "surrogate pair");
            Assert.Equal(-42L, o["i"], "integer");
            Assert.Equal(12345678901234567890.0, o["big"], "big integer as double");
            Assert.Equal(1500.0, o["f"], "exponent");
            Assert.Equal(true, o["t"], "true");
            Assert.True(o.ContainsKey("n") && o["n"] == null, "null");
            Assert.Equal(3, o.GetArray("a").Count, "array");
            Assert.Equal(0, ((JsonObject)((JsonArray)o.GetArray("a")[1])[1]).Count, "nested object");
            Assert.Equal(2L, o["dup"], "duplicate key: last value");
            Assert.Equal("s,e,i,big,f,z,t,n,a,o,dup", string.Join(",", o.Keys), "member order");
            Assert.Equal("中文🙂", Json.Parse("\"中文🙂\""), "raw non-ASCII");
            Assert.Equal(double.PositiveInfinity, Json.Parse("1e400"), "overflow");
        }

        [Test]
        public void RejectsInvalidJson()
        {
            string[] bad = { "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
                "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\u12\"", "\"a\u0001b\"", "[1 2]", "{\"a\" 1}", "{1:2}", "1 2", "NaN", "[", "\"\\",
                new string('[', 600) + new string(']', 600) };
            foreach (string s in bad)
                Assert.Throws<FormatException>(() => Json.Parse(s), "invalid JSON " + Json.Quote(s.Length > 20 ? s.Substring(0, 20) : s));
        }

        [Test]
        public void WriterRoundTrips()
        {
            var o = new JsonObject();
            o["text"] = "q\"\\\n\u0001\u2028🙂";
            o["n"] = 1.25;
            o["i"] = 7;
            o["list"] = new List<object> { null, true, "x" };
            o["map"] = new Dictionary<string, object> { { "k", 1L } };
            string json = Json.Serialize(o);
            Assert.Equal("{\"text\":\"q\\\"\\\\\\n\\u0001\\u2028🙂\",\"n\":1.25,\"i\":7,\"list\":[null,true,\"x\"],\"map\":{\"k\":1}}", json, "serialised");
            Assert.Equal(json, Json.Serialize(Json.Parse(json)), "round trip");
        }
    }
}
