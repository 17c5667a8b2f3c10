// swift-tools-version:6.0
// Swift binding of libfastgpt (C API: include/fastgpt.h). Swift 6 language mode.
//
// The C library is found through pkg-config (`make install` installs fastgpt.pc):
//   make install PREFIX=$HOME/.local
//   export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig LD_LIBRARY_PATH=$HOME/.local/lib
//   swift build && swift test
// The repository's root Package.swift declares the same targets, for `.package(url:)`.
import PackageDescription

let package = Package(
    name: "FastGPT",
    platforms: [.macOS(.v10_15), .iOS(.v13)],
    products: [
        .library(name: "FastGPT", targets: ["FastGPT"]),
    ],
    targets: [
        // module.modulemap + shim.h over <fastgpt.h>; links -lfastgpt (flags from fastgpt.pc).
        .systemLibrary(name: "CFastGPT", path: "Sources/CFastGPT", pkgConfig: "fastgpt"),
        .target(name: "FastGPT", dependencies: ["CFastGPT"], path: "Sources/FastGPT"),
        .testTarget(name: "FastGPTTests", dependencies: ["FastGPT"], path: "Tests/FastGPTTests"),
    ],
    swiftLanguageModes: [.v6]
)
