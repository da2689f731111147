package imap

// ParseXOAUTH2ErrorForTest lets the fuzz target check what a server's
// challenge turns into.
var ParseXOAUTH2ErrorForTest = parseXOAUTH2Error
