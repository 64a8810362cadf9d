package main

import (
	"fmt"
	"io"
)

func runCheck(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "secondstory check: not available yet")
	return exitUsage
}

func runNew(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "secondstory new: not available yet")
	return exitUsage
}
