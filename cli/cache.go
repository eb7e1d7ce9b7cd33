package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluice-ml/sluice/stagecache"
	"github.com/sluice-ml/sluice/task/budget"
)

// cacheFlags are the stage cache's flags (submit and explain).
type cacheFlags struct {
	dir string
	off bool
	max string
}

func (c *cacheFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "cache", "", "stage cache directory (default: $SLUICE_CACHE, else the user cache dir's sluice/stages; SLUICE_CACHE=off disables it)")
	fs.BoolVar(&c.off, "no-cache", false, "neither reuse nor store stage results")
	fs.StringVar(&c.max, "cache-max", budget.FormatBytes(stagecache.DefaultMax), "stage cache size cap; least recently used entries are evicted beyond it")
}

// open opens the stage cache the flags name; nil when it is off.
func (c *cacheFlags) open() (*stagecache.Cache, error) {
	if c.off {
		return nil, nil
	}
	max, err := budget.ParseBytes(c.max)
	if err != nil || max <= 0 {
		return nil, fmt.Errorf("--cache-max: want a size such as 20GiB, got %q", c.max)
	}
	dir := c.dir
	if dir == "" {
		switch env := os.Getenv("SLUICE_CACHE"); env {
		case "off":
			return nil, nil
		case "":
			if dir, err = stagecache.DefaultDir(); err != nil {
				return nil, err
			}
		default:
			dir = env
		}
	}
	return stagecache.Open(dir, max)
}
