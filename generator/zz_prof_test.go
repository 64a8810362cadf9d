package generator

import (
	"os"
	"runtime/pprof"
	"testing"
)

func TestZZProfileFull(t *testing.T) {
	src := os.Getenv("ZZ_SRC")
	if src == "" {
		t.Skip()
	}
	out := t.TempDir() + "/public"
	f, _ := os.Create(os.Getenv("ZZ_PROF"))
	pprof.StartCPUProfile(f)
	res, err := Build(Options{Source: src, Out: out})
	pprof.StopCPUProfile()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range res.Stages {
		t.Log(st.Name, st.Duration)
	}
}
