package main

import (
	"github.com/temporalsim/temporalsim/cmd/simrun/cli"
	"github.com/temporalsim/temporalsim/scenarios"
)

func main() {
	cli.Main(cli.Config{Scenarios: scenarios.All()})
}
