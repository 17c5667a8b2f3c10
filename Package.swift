// swift-tools-version:6.0
// The Swift package of libfastgpt, for SwiftPM users who depend on this repository:
//   .package(url: "<this repository's URL>", branch: "main")
// Its targets are the ones of bindings/swift (see bindings/swift/README.md). The C library
// itself is found through pkg-config: run `make install` first (fastgpt.pc).
import PackageDescription

let package = Package(
    name: "FastGPT",
    platforms: [.macOS(.v10_15), .iOS(.v13)],
    products: [
        .library(name: "FastGPT", targets: ["FastGPT"]),
    ],
    targets: [
        .systemLibrary(name: "CFastGPT", path: "bindings/swift/Sources/CFastGPT", pkgConfig: "fastgpt"),
        .target(name: "FastGPT", dependencies: ["CFastGPT"], path: "bindings/swift/Sources/FastGPT"),
        .testTarget(name: "FastGPTTests", dependencies: ["FastGPT"], path: "bindings/swift/Tests/FastGPTTests"),
    ],
    swiftLanguageModes: [.v6]
)
