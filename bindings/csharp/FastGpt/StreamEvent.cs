using System;

namespace FastGpt
{
    /// <summary>One SSE event of a streaming completion (the C API contract, §6).</summary>
    public sealed class StreamEvent : IEquatable<StreamEvent>
    {
        /// <summary>The SSE event name: "answer" when the event had no event: line, "done"
        /// for the [DONE] payload, "flowNodeStatus", "error", ...</summary>
        public string Event { get; private set; }
        /// <summary>The event's data (multi-line data joined with '\n'); "[DONE]" for "done".</summary>
        public string Data { get; private set; }
        /// <summary>For "answer"/"fastAnswer": the delta text ("" for heartbeats, the stop
        /// chunk and reasoning-only chunks). Null for every other event.</summary>
        public string Text { get; private set; }

        public StreamEvent(string evt, string data, string text)
        {
            Event = evt;
            Data = data;
            Text = text;
        }

        public bool IsDone { get { return Event == "done"; } }
        public bool IsError { get { return Event == "error"; } }

        public bool Equals(StreamEvent other)
        {
            return other != null && Event == other.Event && Data == other.Data && Text == other.Text;
        }

        public override bool Equals(object obj) { return Equals(obj as StreamEvent); }

        public override int GetHashCode()
        {
            int h = Event == null ? 0 : Event.GetHashCode();
            h = h * 31 + (Data == null ? 0 : Data.GetHashCode());
            return h * 31 + (Text == null ? 0 : Text.GetHashCode());
        }

        public override string ToString()
        {
            return Event + " " + Data + (Text == null ? "" : " text=" + Json.Quote(Text));
        }
    }
}
