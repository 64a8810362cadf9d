package prof

import (
	"os"
	"testing"
	"time"

	"github.com/secondstory/secondstory/generator/build"
)

func TestProf(t *testing.T) {
	src := os.Getenv("PROF_SRC")
	if src == "" {
		t.Skip()
	}
	res, err := build.Build(build.Options{Source: src, Out: t.TempDir() + "/o", Now: time.Now(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Stages {
		t.Logf("%-16s %v", st.Name, st.Duration)
	}
}
