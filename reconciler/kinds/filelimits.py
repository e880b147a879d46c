"""What OpenAI's file APIs accept: sizes, counts and file types, shared by the kinds that
hold repository files and by the check of the files they name (`declared_files`)."""

from __future__ import annotations

MAX_STORE_FILES = 10_000
"""Files one vector store may hold (the API's limit)."""
MAX_FILE_BYTES = 512 * 1024 * 1024
"""The Files API's limit on one file."""
SEARCHABLE_EXTENSIONS = frozenset({
    ".c", ".cpp", ".cs", ".css", ".doc", ".docx", ".go", ".html", ".java", ".js", ".json",
    ".md", ".pdf", ".php", ".pptx", ".py", ".rb", ".sh", ".tex", ".ts", ".txt"})
"""The file types file_search indexes (OpenAI's documented list); others fail indexing."""
CODE_INTERPRETER_EXTENSIONS = frozenset({
    ".c", ".cpp", ".cs", ".css", ".csv", ".doc", ".docx", ".gif", ".html", ".java", ".jpeg",
    ".jpg", ".js", ".json", ".md", ".pdf", ".php", ".pkl", ".png", ".pptx", ".py", ".rb",
    ".sh", ".tar", ".tex", ".ts", ".txt", ".xlsx", ".xml", ".zip"})
"""The file types code_interpreter accepts (OpenAI's documented list)."""
