module github.com/libfastgpt/fastgpt-go

go 1.19
