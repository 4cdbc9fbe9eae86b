package sqlite

import (
	"strconv"
	"time"
)

var t0 = time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)

func itoa(i int) string { return strconv.Itoa(i) }
