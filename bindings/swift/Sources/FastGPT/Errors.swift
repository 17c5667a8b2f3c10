// Status codes and the typed error of the Swift binding of libfastgpt.

import CFastGPT
import Foundation

/// The library's status codes (the `FASTGPT_*` values of `fastgpt.h`).
public enum FastGPTStatus: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case ok = 0
    case invalidArgument = 1
    case transport = 2
    case timeout = 3
    case http = 4
    case api = 5
    case `protocol` = 6
    case streamIncomplete = 7
    case aborted = 8
    case cancelled = 9
    case panic = 10

    /// The C name, e.g. "FASTGPT_E_API" (`fastgpt_status_str`).
    public var name: String { FastGPTStatus.name(of: rawValue) }

    /// The C name of any integer status ("unknown" for codes this library does not have).
    public static func name(of code: Int32) -> String { String(cString: fastgpt_status_str(code)) }

    public var description: String { name }
}

/// A failed call, with every field of the library's error JSON `{"error":{...}}`.
///
/// Fields the library may add later are kept in `json` (the whole error JSON as returned).
public struct FastGPTError: Error, LocalizedError, CustomStringConvertible, Sendable, Equatable {
    /// `status`: the status code (`FASTGPT_E_*`).
    public let status: Int32
    /// `status_name`: "FASTGPT_E_API", ...
    public let statusName: String
    /// `message`: a readable summary.
    public let message: String
    /// `message_key`: the i18n key FastGPT sent as its message
    /// (`common:code_error.error_message.514`), nil when it sent none (or the library predates it).
    public let messageKey: String?
    /// `http_status`: nil when no response was received.
    public let httpStatus: Int?
    /// `api_code`: the envelope's or error frame's numeric `code` (514 for a wrong API key).
    public let apiCode: Int?
    /// `status_text`: the envelope's `statusText` ("unAuthApiKey"), or an OpenAI-style error code.
    public let statusText: String?
    /// `body`: the response body (at most 64 KiB, secrets masked), nil when none.
    public let body: String?
    /// `retry_after_ms`: from a `Retry-After` header.
    public let retryAfterMs: Int?
    /// `request_id`: the response's `x-request-id`.
    public let requestId: String?
    /// `method`: nil when no request was sent.
    public let method: String?
    /// `url`: the last request URL, nil when none was sent.
    public let url: String?
    /// `attempts`: requests sent, retries and path fallback included.
    public let attempts: Int?
    /// `timeout`: "connect", "request" or "idle" when a timeout fired.
    public let timeout: String?
    /// `partial`: for streaming calls, the result accumulated so far (JSON text); else nil.
    public let partialJSON: String?
    /// The whole error JSON as returned by the library.
    public let json: String

    /// The status as an enum value (nil for a code newer than this binding).
    public var code: FastGPTStatus? { FastGPTStatus(rawValue: status) }
    public var errorDescription: String? { "\(statusName): \(message)" }
    public var description: String { "FastGPTError(\(statusName)): \(message)" }

    /// Decodes the library's error JSON (`status` is the code the C call returned).
    public init(status: Int32, json: String) {
        self.status = status
        self.json = json
        let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let e = root?["error"] as? [String: Any] ?? [:]
        statusName = (e["status_name"] as? String) ?? FastGPTStatus.name(of: status)
        message = (e["message"] as? String) ?? (json.isEmpty ? FastGPTStatus.name(of: status) : json)
        messageKey = e["message_key"] as? String
        httpStatus = jsonInt(e["http_status"])
        apiCode = jsonInt(e["api_code"])
        statusText = e["status_text"] as? String
        body = e["body"] as? String
        retryAfterMs = jsonInt(e["retry_after_ms"])
        requestId = e["request_id"] as? String
        method = e["method"] as? String
        url = e["url"] as? String
        attempts = jsonInt(e["attempts"])
        timeout = e["timeout"] as? String
        partialJSON = jsonText(e["partial"])
    }

    /// An error raised by the binding itself before any C call, in the library's JSON shape.
    static func local(_ status: FastGPTStatus, _ message: String) -> FastGPTError {
        let obj: [String: Any] = ["error": [
            "status": Int(status.rawValue), "status_name": status.name, "message": message,
            "message_key": NSNull(), "http_status": NSNull(), "api_code": NSNull(),
            "status_text": NSNull(), "body": NSNull(), "retry_after_ms": NSNull(),
            "request_id": NSNull(), "method": NSNull(), "url": NSNull(), "attempts": 0,
            "timeout": NSNull(), "partial": NSNull(),
        ] as [String: Any]]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data()
        return FastGPTError(status: status.rawValue, json: String(decoding: data, as: UTF8.self))
    }
}

private func jsonInt(_ v: Any?) -> Int? {
    guard let v = v, !(v is NSNull), !(v is String) else { return nil }
    if let n = v as? NSNumber { return n.intValue }
    return v as? Int
}

/// The JSON text of a decoded object or array (nil for a missing value or null).
private func jsonText(_ v: Any?) -> String? {
    guard let v = v, !(v is NSNull) else { return nil }
    guard JSONSerialization.isValidJSONObject(v),
          let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys])
    else { return nil }
    return String(decoding: d, as: UTF8.self)
}
