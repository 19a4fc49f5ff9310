module github.com/temporalsim/temporalsim

go 1.26.0
