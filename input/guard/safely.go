package guard

import "fmt"

// Safely runs f, turning a panic inside a third-party decoder into an error.
func Safely(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt data: %v", p)
		}
	}()
	return f()
}
