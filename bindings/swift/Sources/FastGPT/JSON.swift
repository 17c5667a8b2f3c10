// FastGPTJSON: a small JSON value to read the library's answers without declaring types.
//
//   let page = try FastGPTJSON(parsing: try await client.getChatRecords(appId: app, chatId: chat))
//   for record in page["data"]["list"].arrayValue { print(record["obj"].stringValue ?? "") }
//
// For typed access, decode the same strings with JSONDecoder and your own Decodable types.

import Foundation

/// A JSON value. Missing members and out-of-range indexes read as `.null`.
public enum FastGPTJSON: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([FastGPTJSON])
    case object([String: FastGPTJSON])

    /// Parses JSON text; throws FastGPTError `.protocol` when it is not JSON.
    public init(parsing text: String) throws(FastGPTError) {
        do {
            self = try JSONDecoder().decode(FastGPTJSON.self, from: Data(text.utf8))
        } catch {
            throw .local(.protocol, "not JSON: \(error)")
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([FastGPTJSON].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: FastGPTJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The JSON text of this value (object keys sorted).
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    public subscript(key: String) -> FastGPTJSON {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    public subscript(index: Int) -> FastGPTJSON {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return .null
    }

    public var isNull: Bool { self == .null }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .double(let d): return Int(exactly: d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// The elements of an array; [] for any other value.
    public var arrayValue: [FastGPTJSON] { if case .array(let a) = self { return a }; return [] }
    /// The members of an object; [:] for any other value.
    public var objectValue: [String: FastGPTJSON] { if case .object(let o) = self { return o }; return [:] }
}
