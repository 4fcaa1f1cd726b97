//go:build !cgo

package main

func greeting() string { return "gostart" }
