// swift-tools-version:5.7
// Swift binding of libfastgpt (C API: include/fastgpt.h, contract c-api.md).
//
// The library is found through pkg-config (`make install` installs fastgpt.pc); without an
// installed library, pass its directory to the linker:
//   swift build -Xlinker -L../../target/release
import PackageDescription

let package = Package(
    name: "FastGPT",
    platforms: [.macOS(.v10_15), .iOS(.v13)],
    products: [
        .library(name: "FastGPT", targets: ["FastGPT"]),
    ],
    targets: [
        // module.modulemap + shim.h over include/fastgpt.h; links -lfastgpt.
        .systemLibrary(name: "CFastGPT", path: "Sources/CFastGPT", pkgConfig: "fastgpt"),
        .target(name: "FastGPT", dependencies: ["CFastGPT"], path: "Sources/FastGPT"),
        .testTarget(name: "FastGPTTests", dependencies: ["FastGPT"], path: "Tests/FastGPTTests"),
    ]
)
