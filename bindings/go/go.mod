module github.com/libfastgpt/libfastgpt/bindings/go

go 1.19
