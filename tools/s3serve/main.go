package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-ml/sluice/storage/s3test"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: s3serve DIR")
		os.Exit(2)
	}
	s, err := s3test.Launch(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "s3serve:", err)
		os.Exit(1)
	}
	defer s.Stop()
	line, _ := json.Marshal(map[string]any{"endpoint": s.Endpoint, "env": s.Env()})
	fmt.Println(string(line))
	done := make(chan struct{}, 2)
	go func() { io.Copy(io.Discard, os.Stdin); done <- struct{}{} }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; done <- struct{}{} }()
	<-done
}
