package sink

// sysRenameat2 is renameat2's number on linux/amd64 (the syscall package
// does not define it for this architecture).
const sysRenameat2 = 316
