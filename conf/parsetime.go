package conf

import "time"

// ParseTime reads a duration as a TIME directive argument: nginx's
// number+unit terms (`1m30s`, `500ms`, `2h`), a bare number being
// seconds. The API's duration fields use it.
func ParseTime(s string) (time.Duration, error) { return parseTime(s) }
