"""The schemas of `structure.checked_models`, as their models generate them with the
pydantic below: written by `python -m reconciler.manifests.makeschemas`, never by hand."""

# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any

PYDANTIC = '2.14.4'
SCHEMAS: dict[str, dict[str, Any]] = json.loads(r'''{
 "reconciler.model.config.ProjectConfig": {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
   "ConnectionConfig": {
    "additionalProperties": false,
    "description": "Where the API is. The API key is never stored here: it is read from the environment.",
    "properties": {
     "base_url": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "e.g. http://127.0.0.1:8765/v1",
      "title": "Base Url"
     },
     "organization": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Organization"
     },
     "project": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Project"
     },
     "api_key_env": {
      "default": "OPENAI_API_KEY",
      "description": "The environment variable holding the API key.",
      "title": "Api Key Env",
      "type": "string"
     },
     "emulator": {
      "default": false,
      "description": "Talk to the local emulator (`reconciler emulator start`), never to OpenAI, whatever the environment holds.",
      "title": "Emulator",
      "type": "boolean"
     }
    },
    "title": "ConnectionConfig",
    "type": "object"
   },
   "EnvironmentConfig": {
    "additionalProperties": false,
    "description": "One environment (dev, staging, prod): where it lives and what differs there.",
    "properties": {
     "scope": {
      "anyOf": [
       {
        "pattern": "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Its scope (default: the top-level scope). Each environment should have its own when several share an OpenAI project.",
      "title": "Scope"
     },
     "connection": {
      "anyOf": [
       {
        "$ref": "#/$defs/ConnectionConfig"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Its connection (default: the top-level connection)."
     },
     "vars": {
      "description": "Values for `{{ variable }}` placeholders, over the templates' and the resources' own.",
      "patternProperties": {
       "^[A-Za-z_][A-Za-z0-9_]*$": {
        "anyOf": [
         {
          "type": "string"
         },
         {
          "type": "integer"
         },
         {
          "type": "number"
         },
         {
          "type": "boolean"
         }
        ]
       }
      },
      "title": "Vars",
      "type": "object"
     },
     "labels": {
      "description": "Labels added to every assistant and agent.",
      "patternProperties": {
       "^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$": {
        "pattern": "^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$",
        "type": "string"
       }
      },
      "title": "Labels",
      "type": "object"
     },
     "overrides": {
      "items": {
       "$ref": "#/$defs/Override"
      },
      "title": "Overrides",
      "type": "array"
     },
     "models": {
      "anyOf": [
       {
        "$ref": "#/$defs/ModelWindows"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Its retirement windows, over the top-level `models:`."
     }
    },
    "title": "EnvironmentConfig",
    "type": "object"
   },
   "LabelSelector": {
    "additionalProperties": false,
    "description": "Labels an assistant or agent must carry (all conditions must hold).",
    "properties": {
     "matchLabels": {
      "patternProperties": {
       "^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$": {
        "pattern": "^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$",
        "type": "string"
       }
      },
      "title": "Matchlabels",
      "type": "object"
     },
     "matchExpressions": {
      "items": {
       "$ref": "#/$defs/SelectorRequirement"
      },
      "title": "Matchexpressions",
      "type": "array"
     }
    },
    "title": "LabelSelector",
    "type": "object"
   },
   "ModelWindows": {
    "additionalProperties": false,
    "description": "How close a model's shutdown may come before plans warn, and before they refuse.",
    "properties": {
     "block_within_days": {
      "anyOf": [
       {
        "maximum": 3650,
        "minimum": 0,
        "type": "integer"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "A plan that creates a resource on a model shutting down within this many days, or moves one onto it, is an error (default 14).",
      "title": "Block Within Days"
     },
     "warn_within_days": {
      "anyOf": [
       {
        "maximum": 3650,
        "minimum": 0,
        "type": "integer"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Resources on a model shutting down within this many days get a warning with the days left and the replacement (default 90).",
      "title": "Warn Within Days"
     }
    },
    "title": "ModelWindows",
    "type": "object"
   },
   "Override": {
    "additionalProperties": false,
    "description": "In one environment, fields set on every assistant and agent a selector picks (merged\nas templates are: scalars replace, maps merge, lists replace).",
    "properties": {
     "selector": {
      "$ref": "#/$defs/LabelSelector",
      "description": "The assistants and agents it applies to, by their (merged) labels."
     },
     "spec": {
      "additionalProperties": true,
      "description": "The fields to set, as in a manifest's spec (e.g. {model: gpt-4o-mini}).",
      "title": "Spec",
      "type": "object"
     }
    },
    "required": [
     "selector",
     "spec"
    ],
    "title": "Override",
    "type": "object"
   },
   "PruneConfig": {
    "additionalProperties": false,
    "description": "Limits on what a plan may delete.",
    "properties": {
     "max_delete_percent": {
      "default": 50,
      "description": "A plan that deletes more than this share of the scope's managed objects (or all of them) is refused unless apply is given --allow-mass-delete.",
      "maximum": 100,
      "minimum": 0,
      "title": "Max Delete Percent",
      "type": "integer"
     }
    },
    "title": "PruneConfig",
    "type": "object"
   },
   "SelectorRequirement": {
    "additionalProperties": false,
    "description": "One label requirement, as in Kubernetes label selectors.",
    "properties": {
     "key": {
      "pattern": "^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$",
      "title": "Key",
      "type": "string"
     },
     "operator": {
      "enum": [
       "In",
       "NotIn",
       "Exists",
       "DoesNotExist"
      ],
      "title": "Operator",
      "type": "string"
     },
     "values": {
      "items": {
       "pattern": "^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$",
       "type": "string"
      },
      "title": "Values",
      "type": "array"
     }
    },
    "required": [
     "key",
     "operator"
    ],
    "title": "SelectorRequirement",
    "type": "object"
   }
  },
  "additionalProperties": false,
  "description": "The contents of `reconciler.yaml`.",
  "properties": {
   "manifests": {
    "description": "Files, folders or globs (relative to this file) holding manifests.",
    "items": {
     "type": "string"
    },
    "title": "Manifests",
    "type": "array"
   },
   "exclude": {
    "description": "Globs of files to skip.",
    "items": {
     "type": "string"
    },
    "title": "Exclude",
    "type": "array"
   },
   "connection": {
    "$ref": "#/$defs/ConnectionConfig"
   },
   "scope": {
    "anyOf": [
     {
      "pattern": "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$",
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "Which live objects this project owns, when several repositories share one OpenAI project (e.g. support-prod): recorded in every object's marks; objects of other scopes are never changed. Required before the first apply to OpenAI.",
    "title": "Scope"
   },
   "prune": {
    "$ref": "#/$defs/PruneConfig"
   },
   "models": {
    "$ref": "#/$defs/ModelWindows",
    "description": "Model retirement: when plans warn of a model's shutdown and when they refuse to move a resource onto it (per environment under `environments.NAME.models`)."
   },
   "environments": {
    "description": "Named environments (dev, staging, prod), each chosen with --env NAME or RECONCILER_ENV; with any, every command that plans needs one.",
    "patternProperties": {
     "^[a-z][a-z0-9-]{0,30}$": {
      "$ref": "#/$defs/EnvironmentConfig"
     }
    },
    "title": "Environments",
    "type": "object"
   }
  },
  "title": "ProjectConfig",
  "type": "object"
 },
 "reconciler.kinds.assistant.model.AssistantSpec": {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
   "CodeInterpreterResources": {
    "additionalProperties": false,
    "description": "Files made available to code_interpreter: repository files by path (uploaded and kept\nin sync by the reconciler) and existing uploads by id.",
    "properties": {
     "files": {
      "description": "Repository files, relative to this manifest (e.g. `data/sales.csv`); uploaded once per content, replaced when they change.",
      "items": {
       "minLength": 1,
       "type": "string"
      },
      "maxItems": 20,
      "title": "Files",
      "type": "array"
     },
     "file_ids": {
      "description": "Files already uploaded, by id (left as they are).",
      "items": {
       "type": "string"
      },
      "maxItems": 20,
      "title": "File Ids",
      "type": "array"
     }
    },
    "title": "CodeInterpreterResources",
    "type": "object"
   },
   "CodeInterpreterTool": {
    "additionalProperties": false,
    "description": "Assistants API: run Python code in a sandbox.",
    "properties": {
     "type": {
      "const": "code_interpreter",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "CodeInterpreterTool",
    "type": "object"
   },
   "FileSearchOptions": {
    "additionalProperties": false,
    "description": "Overrides for the file_search tool.",
    "properties": {
     "max_num_results": {
      "anyOf": [
       {
        "maximum": 50,
        "minimum": 1,
        "type": "integer"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Max Num Results"
     },
     "ranking_options": {
      "anyOf": [
       {
        "$ref": "#/$defs/RankingOptions"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "title": "FileSearchOptions",
    "type": "object"
   },
   "FileSearchResources": {
    "additionalProperties": false,
    "description": "The vector store used by file_search: a VectorStore manifest, or an existing id.",
    "properties": {
     "vector_stores": {
      "description": "VectorStore manifests by name; resolved to their live ids.",
      "items": {
       "description": "A manifest name: 1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
       "pattern": "^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$",
       "type": "string"
      },
      "maxItems": 1,
      "title": "Vector Stores",
      "type": "array"
     },
     "vector_store_ids": {
      "description": "Existing vector stores by id (not managed here).",
      "items": {
       "type": "string"
      },
      "maxItems": 1,
      "title": "Vector Store Ids",
      "type": "array"
     }
    },
    "title": "FileSearchResources",
    "type": "object"
   },
   "FileSearchTool": {
    "additionalProperties": false,
    "description": "Assistants API: search the assistant's vector store.",
    "properties": {
     "type": {
      "const": "file_search",
      "title": "Type",
      "type": "string"
     },
     "file_search": {
      "anyOf": [
       {
        "$ref": "#/$defs/FileSearchOptions"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "required": [
     "type"
    ],
    "title": "FileSearchTool",
    "type": "object"
   },
   "JsonSchemaFormat": {
    "additionalProperties": false,
    "description": "Structured Outputs: the output matches a JSON Schema.",
    "properties": {
     "name": {
      "description": "a-z, A-Z, 0-9, '_' and '-', at most 64 characters.",
      "pattern": "^[a-zA-Z0-9_-]{1,64}$",
      "title": "Name",
      "type": "string"
     },
     "description": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Description"
     },
     "schema": {
      "anyOf": [
       {
        "$ref": "https://json-schema.org/draft/2020-12/schema",
        "additionalProperties": true,
        "type": "object"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Schema"
     },
     "strict": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Strict"
     }
    },
    "required": [
     "name"
    ],
    "title": "JsonSchemaFormat",
    "type": "object"
   },
   "Lifecycle": {
    "additionalProperties": false,
    "description": "How the reconciler may change the live object.",
    "properties": {
     "prevent_destroy": {
      "default": false,
      "description": "Fail any plan that would delete or replace the live object.",
      "title": "Prevent Destroy",
      "type": "boolean"
     },
     "ignore_changes": {
      "description": "Fields whose live value is kept as it is (e.g. `instructions`, `metadata.owner`, or `all`).",
      "items": {
       "type": "string"
      },
      "title": "Ignore Changes",
      "type": "array"
     }
    },
    "title": "Lifecycle",
    "type": "object"
   },
   "RankingOptions": {
    "additionalProperties": false,
    "description": "How file_search ranks results.",
    "properties": {
     "ranker": {
      "anyOf": [
       {
        "enum": [
         "auto",
         "default_2024_08_21"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Ranker"
     },
     "score_threshold": {
      "maximum": 1,
      "minimum": 0,
      "title": "Score Threshold",
      "type": "number"
     }
    },
    "required": [
     "score_threshold"
    ],
    "title": "RankingOptions",
    "type": "object"
   },
   "ResponseFormatJsonObject": {
    "additionalProperties": false,
    "description": "JSON mode: the output is valid JSON.",
    "properties": {
     "type": {
      "const": "json_object",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "ResponseFormatJsonObject",
    "type": "object"
   },
   "ResponseFormatJsonSchema": {
    "additionalProperties": false,
    "description": "Structured Outputs with a JSON Schema.",
    "properties": {
     "type": {
      "const": "json_schema",
      "title": "Type",
      "type": "string"
     },
     "json_schema": {
      "$ref": "#/$defs/JsonSchemaFormat"
     }
    },
    "required": [
     "type",
     "json_schema"
    ],
    "title": "ResponseFormatJsonSchema",
    "type": "object"
   },
   "ResponseFormatText": {
    "additionalProperties": false,
    "description": "Plain text output.",
    "properties": {
     "type": {
      "const": "text",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "ResponseFormatText",
    "type": "object"
   },
   "ToolResources": {
    "additionalProperties": false,
    "description": "Resources used by the assistant's built-in tools.",
    "properties": {
     "code_interpreter": {
      "anyOf": [
       {
        "$ref": "#/$defs/CodeInterpreterResources"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     },
     "file_search": {
      "anyOf": [
       {
        "$ref": "#/$defs/FileSearchResources"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "title": "ToolResources",
    "type": "object"
   }
  },
  "additionalProperties": false,
  "description": "An assistant: its settings, the template it starts from, and its lifecycle.",
  "properties": {
   "model": {
    "anyOf": [
     {
      "minLength": 1,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "The model ID, e.g. `gpt-4o`.",
    "title": "Model"
   },
   "name": {
    "anyOf": [
     {
      "maxLength": 256,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "The live name. Defaults to the manifest name; `null` leaves it unnamed.",
    "title": "Name"
   },
   "description": {
    "anyOf": [
     {
      "maxLength": 512,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Description"
   },
   "instructions": {
    "anyOf": [
     {
      "maxLength": 256000,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Instructions"
   },
   "tools": {
    "anyOf": [
     {
      "items": {
       "anyOf": [
        {
         "description": "The name of a Tool manifest.",
         "pattern": "^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$",
         "type": "string"
        },
        {
         "discriminator": {
          "mapping": {
           "code_interpreter": "#/$defs/CodeInterpreterTool",
           "file_search": "#/$defs/FileSearchTool"
          },
          "propertyName": "type"
         },
         "oneOf": [
          {
           "$ref": "#/$defs/CodeInterpreterTool"
          },
          {
           "$ref": "#/$defs/FileSearchTool"
          }
         ]
        }
       ],
       "description": "A Tool manifest's name, or an inline built-in such as `{type: code_interpreter}`."
      },
      "maxItems": 128,
      "type": "array"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Tools"
   },
   "tool_resources": {
    "anyOf": [
     {
      "$ref": "#/$defs/ToolResources"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "metadata": {
    "anyOf": [
     {
      "additionalProperties": {
       "maxLength": 512,
       "type": "string"
      },
      "description": "Key-value pairs stored on the live object (the API allows 16; 4 are reserved for ownership, so at most 12 here). Keys up to 64, values up to 512 characters.",
      "maxProperties": 12,
      "propertyNames": {
       "maxLength": 64,
       "minLength": 1,
       "not": {
        "pattern": "^(managed-by|reconciler-.*)$"
       }
      },
      "type": "object"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Metadata"
   },
   "temperature": {
    "anyOf": [
     {
      "maximum": 2,
      "minimum": 0,
      "type": "number"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Temperature"
   },
   "top_p": {
    "anyOf": [
     {
      "maximum": 1,
      "minimum": 0,
      "type": "number"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Top P"
   },
   "response_format": {
    "anyOf": [
     {
      "const": "auto",
      "type": "string"
     },
     {
      "discriminator": {
       "mapping": {
        "json_object": "#/$defs/ResponseFormatJsonObject",
        "json_schema": "#/$defs/ResponseFormatJsonSchema",
        "text": "#/$defs/ResponseFormatText"
       },
       "propertyName": "type"
      },
      "oneOf": [
       {
        "$ref": "#/$defs/ResponseFormatText"
       },
       {
        "$ref": "#/$defs/ResponseFormatJsonObject"
       },
       {
        "$ref": "#/$defs/ResponseFormatJsonSchema"
       }
      ]
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Response Format"
   },
   "reasoning_effort": {
    "anyOf": [
     {
      "enum": [
       "none",
       "minimal",
       "low",
       "medium",
       "high",
       "xhigh",
       "max"
      ],
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Reasoning Effort"
   },
   "template": {
    "anyOf": [
     {
      "description": "A manifest name: 1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
      "pattern": "^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$",
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "A Template manifest to start from.",
    "title": "Template"
   },
   "vars": {
    "description": "Values for `{{ variable }}` placeholders in instructions, description and name.",
    "patternProperties": {
     "^[A-Za-z_][A-Za-z0-9_]*$": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "integer"
       },
       {
        "type": "number"
       },
       {
        "type": "boolean"
       }
      ]
     }
    },
    "title": "Vars",
    "type": "object"
   },
   "lifecycle": {
    "anyOf": [
     {
      "$ref": "#/$defs/Lifecycle"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   }
  },
  "title": "AssistantSpec",
  "type": "object"
 },
 "reconciler.kinds.agent.model.AgentSpec": {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$defs": {
   "AgentReasoning": {
    "additionalProperties": false,
    "description": "Reasoning configuration.",
    "properties": {
     "effort": {
      "anyOf": [
       {
        "enum": [
         "none",
         "minimal",
         "low",
         "medium",
         "high",
         "xhigh",
         "max"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Effort"
     },
     "summary": {
      "anyOf": [
       {
        "enum": [
         "concise",
         "detailed",
         "auto"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Summary"
     }
    },
    "title": "AgentReasoning",
    "type": "object"
   },
   "AgentText": {
    "additionalProperties": false,
    "description": "Configuration of generated text.",
    "properties": {
     "format": {
      "anyOf": [
       {
        "discriminator": {
         "mapping": {
          "json_schema": "#/$defs/TextFormatJsonSchema",
          "text": "#/$defs/TextFormatText"
         },
         "propertyName": "type"
        },
        "oneOf": [
         {
          "$ref": "#/$defs/TextFormatText"
         },
         {
          "$ref": "#/$defs/TextFormatJsonSchema"
         }
        ]
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Format"
     },
     "verbosity": {
      "anyOf": [
       {
        "enum": [
         "low",
         "medium",
         "high"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Verbosity"
     }
    },
    "title": "AgentText",
    "type": "object"
   },
   "AutomationsTool": {
    "additionalProperties": false,
    "description": "Agents API: let the agent manage its own scheduled wake-ups.",
    "properties": {
     "type": {
      "const": "automations",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "AutomationsTool",
    "type": "object"
   },
   "Compaction": {
    "additionalProperties": false,
    "description": "Context compaction.",
    "properties": {
     "async": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Accepted by the API and ignored: compaction is always blocking, and the API answers false (validate warns when it is true).",
      "title": "Async"
     }
    },
    "title": "Compaction",
    "type": "object"
   },
   "ComputerUseOptions": {
    "additionalProperties": false,
    "description": "Options of computer use.",
    "properties": {
     "include_screenshots": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Include Screenshots"
     }
    },
    "title": "ComputerUseOptions",
    "type": "object"
   },
   "ComputerUseTool": {
    "additionalProperties": false,
    "description": "Agents API: browser use in an OpenAI-hosted session.",
    "properties": {
     "type": {
      "const": "computer_use",
      "title": "Type",
      "type": "string"
     },
     "computer_use": {
      "anyOf": [
       {
        "$ref": "#/$defs/ComputerUseOptions"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "required": [
     "type"
    ],
    "title": "ComputerUseTool",
    "type": "object"
   },
   "Experimental": {
    "additionalProperties": false,
    "description": "Experimental settings (all off by default).",
    "properties": {
     "time_awareness": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Time Awareness"
     }
    },
    "title": "Experimental",
    "type": "object"
   },
   "Lifecycle": {
    "additionalProperties": false,
    "description": "How the reconciler may change the live object.",
    "properties": {
     "prevent_destroy": {
      "default": false,
      "description": "Fail any plan that would delete or replace the live object.",
      "title": "Prevent Destroy",
      "type": "boolean"
     },
     "ignore_changes": {
      "description": "Fields whose live value is kept as it is (e.g. `instructions`, `metadata.owner`, or `all`).",
      "items": {
       "type": "string"
      },
      "title": "Ignore Changes",
      "type": "array"
     }
    },
    "title": "Lifecycle",
    "type": "object"
   },
   "McpHttpTransport": {
    "additionalProperties": false,
    "description": "Connect to an MCP server over HTTP.",
    "properties": {
     "type": {
      "const": "http",
      "title": "Type",
      "type": "string"
     },
     "server_url": {
      "title": "Server Url",
      "type": "string"
     },
     "headers": {
      "anyOf": [
       {
        "additionalProperties": {
         "type": "string"
        },
        "type": "object"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Non-secret HTTP headers.",
      "title": "Headers"
     }
    },
    "required": [
     "type",
     "server_url"
    ],
    "title": "McpHttpTransport",
    "type": "object"
   },
   "McpOptions": {
    "additionalProperties": false,
    "description": "A remote MCP server (no stored credentials).",
    "properties": {
     "server_label": {
      "minLength": 1,
      "title": "Server Label",
      "type": "string"
     },
     "transport": {
      "discriminator": {
       "mapping": {
        "http": "#/$defs/McpHttpTransport",
        "stdio": "#/$defs/McpStdioTransport"
       },
       "propertyName": "type"
      },
      "oneOf": [
       {
        "$ref": "#/$defs/McpHttpTransport"
       },
       {
        "$ref": "#/$defs/McpStdioTransport"
       }
      ],
      "title": "Transport"
     },
     "allowed_tools": {
      "anyOf": [
       {
        "items": {
         "type": "string"
        },
        "type": "array"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Allowed Tools"
     },
     "connection_origin": {
      "anyOf": [
       {
        "enum": [
         "service",
         "environment"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Connection Origin"
     },
     "credential_id": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Credential Id"
     },
     "request_metadata": {
      "anyOf": [
       {
        "additionalProperties": true,
        "type": "object"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Request Metadata"
     },
     "required": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Required"
     }
    },
    "required": [
     "server_label",
     "transport"
    ],
    "title": "McpOptions",
    "type": "object"
   },
   "McpStdioTransport": {
    "additionalProperties": false,
    "description": "Start an MCP server as a local process.",
    "properties": {
     "type": {
      "const": "stdio",
      "title": "Type",
      "type": "string"
     },
     "command": {
      "title": "Command",
      "type": "string"
     },
     "cwd": {
      "title": "Cwd",
      "type": "string"
     },
     "args": {
      "anyOf": [
       {
        "items": {
         "type": "string"
        },
        "type": "array"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Args"
     },
     "env_vars": {
      "anyOf": [
       {
        "items": {
         "type": "string"
        },
        "type": "array"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Environment variable names to inherit.",
      "title": "Env Vars"
     }
    },
    "required": [
     "type",
     "command",
     "cwd"
    ],
    "title": "McpStdioTransport",
    "type": "object"
   },
   "McpTool": {
    "additionalProperties": false,
    "description": "Agents API: tools of a remote MCP server.",
    "properties": {
     "type": {
      "const": "mcp",
      "title": "Type",
      "type": "string"
     },
     "mcp": {
      "$ref": "#/$defs/McpOptions"
     }
    },
    "required": [
     "type",
     "mcp"
    ],
    "title": "McpTool",
    "type": "object"
   },
   "MultiAgent": {
    "additionalProperties": false,
    "description": "Creating and coordinating subagents.",
    "properties": {
     "enabled": {
      "title": "Enabled",
      "type": "boolean"
     },
     "max_concurrent_subagents": {
      "anyOf": [
       {
        "minimum": 1,
        "type": "integer"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Max Concurrent Subagents"
     }
    },
    "required": [
     "enabled"
    ],
    "title": "MultiAgent",
    "type": "object"
   },
   "ProgrammaticToolCallingOptions": {
    "additionalProperties": false,
    "description": "Options of programmatic tool calling.",
    "properties": {
     "enabled": {
      "anyOf": [
       {
        "type": "boolean"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Enabled"
     }
    },
    "title": "ProgrammaticToolCallingOptions",
    "type": "object"
   },
   "ProgrammaticToolCallingTool": {
    "additionalProperties": false,
    "description": "Agents API: call tools from model-generated code.",
    "properties": {
     "type": {
      "const": "programmatic_tool_calling",
      "title": "Type",
      "type": "string"
     },
     "programmatic_tool_calling": {
      "anyOf": [
       {
        "$ref": "#/$defs/ProgrammaticToolCallingOptions"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "required": [
     "type"
    ],
    "title": "ProgrammaticToolCallingTool",
    "type": "object"
   },
   "TextFormatJsonSchema": {
    "additionalProperties": false,
    "description": "Text constrained to a JSON Schema.",
    "properties": {
     "type": {
      "const": "json_schema",
      "title": "Type",
      "type": "string"
     },
     "schema": {
      "$ref": "https://json-schema.org/draft/2020-12/schema",
      "additionalProperties": true,
      "title": "Schema",
      "type": "object"
     }
    },
    "required": [
     "type",
     "schema"
    ],
    "title": "TextFormatJsonSchema",
    "type": "object"
   },
   "TextFormatText": {
    "additionalProperties": false,
    "description": "Ordinary text.",
    "properties": {
     "type": {
      "const": "text",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "TextFormatText",
    "type": "object"
   },
   "ToolSearchTool": {
    "additionalProperties": false,
    "description": "Agents API: discover deferred function tools.",
    "properties": {
     "type": {
      "const": "tool_search",
      "title": "Type",
      "type": "string"
     }
    },
    "required": [
     "type"
    ],
    "title": "ToolSearchTool",
    "type": "object"
   },
   "WebSearchLocation": {
    "additionalProperties": false,
    "description": "Approximate location used to localise search results.",
    "properties": {
     "city": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "City"
     },
     "country": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "Two-letter ISO country code, e.g. `US`.",
      "title": "Country"
     },
     "region": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Region"
     },
     "timezone": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "description": "IANA time zone, e.g. `Europe/Paris`.",
      "title": "Timezone"
     }
    },
    "title": "WebSearchLocation",
    "type": "object"
   },
   "WebSearchOptions": {
    "additionalProperties": false,
    "description": "Options of the web_search tool.",
    "properties": {
     "allowed_domains": {
      "anyOf": [
       {
        "items": {
         "type": "string"
        },
        "type": "array"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Allowed Domains"
     },
     "context_size": {
      "anyOf": [
       {
        "enum": [
         "low",
         "medium",
         "high"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Context Size"
     },
     "location": {
      "anyOf": [
       {
        "$ref": "#/$defs/WebSearchLocation"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     },
     "mode": {
      "anyOf": [
       {
        "enum": [
         "disabled",
         "cached",
         "live"
        ],
        "type": "string"
       },
       {
        "type": "null"
       }
      ],
      "default": null,
      "title": "Mode"
     }
    },
    "title": "WebSearchOptions",
    "type": "object"
   },
   "WebSearchTool": {
    "additionalProperties": false,
    "description": "Agents API: search the web.",
    "properties": {
     "type": {
      "const": "web_search",
      "title": "Type",
      "type": "string"
     },
     "web_search": {
      "anyOf": [
       {
        "$ref": "#/$defs/WebSearchOptions"
       },
       {
        "type": "null"
       }
      ],
      "default": null
     }
    },
    "required": [
     "type"
    ],
    "title": "WebSearchTool",
    "type": "object"
   }
  },
  "additionalProperties": false,
  "description": "An agent: its settings, the template it starts from, and its lifecycle.",
  "properties": {
   "model": {
    "anyOf": [
     {
      "minLength": 1,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "The model ID, e.g. `gpt-5`.",
    "title": "Model"
   },
   "name": {
    "anyOf": [
     {
      "maxLength": 256,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "The live name. Defaults to the manifest name; `null` leaves it unnamed.",
    "title": "Name"
   },
   "instructions": {
    "anyOf": [
     {
      "maxLength": 256000,
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Instructions"
   },
   "tools": {
    "anyOf": [
     {
      "items": {
       "anyOf": [
        {
         "description": "The name of a Tool manifest.",
         "pattern": "^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$",
         "type": "string"
        },
        {
         "discriminator": {
          "mapping": {
           "automations": "#/$defs/AutomationsTool",
           "computer_use": "#/$defs/ComputerUseTool",
           "mcp": "#/$defs/McpTool",
           "programmatic_tool_calling": "#/$defs/ProgrammaticToolCallingTool",
           "tool_search": "#/$defs/ToolSearchTool",
           "web_search": "#/$defs/WebSearchTool"
          },
          "propertyName": "type"
         },
         "oneOf": [
          {
           "$ref": "#/$defs/WebSearchTool"
          },
          {
           "$ref": "#/$defs/McpTool"
          },
          {
           "$ref": "#/$defs/ToolSearchTool"
          },
          {
           "$ref": "#/$defs/ProgrammaticToolCallingTool"
          },
          {
           "$ref": "#/$defs/ComputerUseTool"
          },
          {
           "$ref": "#/$defs/AutomationsTool"
          }
         ]
        }
       ],
       "description": "A Tool manifest's name, or an inline built-in such as `{type: web_search}`."
      },
      "maxItems": 128,
      "type": "array"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Tools"
   },
   "metadata": {
    "anyOf": [
     {
      "additionalProperties": {
       "maxLength": 512,
       "type": "string"
      },
      "description": "Key-value pairs stored on the live object (the API allows 16; 4 are reserved for ownership, so at most 12 here). Keys up to 64, values up to 512 characters.",
      "maxProperties": 12,
      "propertyNames": {
       "maxLength": 64,
       "minLength": 1,
       "not": {
        "pattern": "^(managed-by|reconciler-.*)$"
       }
      },
      "type": "object"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Metadata"
   },
   "reasoning": {
    "anyOf": [
     {
      "$ref": "#/$defs/AgentReasoning"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "text": {
    "anyOf": [
     {
      "$ref": "#/$defs/AgentText"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "service_tier": {
    "anyOf": [
     {
      "enum": [
       "auto",
       "default",
       "flex",
       "priority",
       "fast",
       "ultrafast"
      ],
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "title": "Service Tier"
   },
   "multi_agent": {
    "anyOf": [
     {
      "$ref": "#/$defs/MultiAgent"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "compaction": {
    "anyOf": [
     {
      "$ref": "#/$defs/Compaction"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "experimental": {
    "anyOf": [
     {
      "$ref": "#/$defs/Experimental"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   },
   "template": {
    "anyOf": [
     {
      "description": "A manifest name: 1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
      "pattern": "^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$",
      "type": "string"
     },
     {
      "type": "null"
     }
    ],
    "default": null,
    "description": "A Template manifest to start from.",
    "title": "Template"
   },
   "vars": {
    "description": "Values for `{{ variable }}` placeholders in instructions, description and name.",
    "patternProperties": {
     "^[A-Za-z_][A-Za-z0-9_]*$": {
      "anyOf": [
       {
        "type": "string"
       },
       {
        "type": "integer"
       },
       {
        "type": "number"
       },
       {
        "type": "boolean"
       }
      ]
     }
    },
    "title": "Vars",
    "type": "object"
   },
   "lifecycle": {
    "anyOf": [
     {
      "$ref": "#/$defs/Lifecycle"
     },
     {
      "type": "null"
     }
    ],
    "default": null
   }
  },
  "title": "AgentSpec",
  "type": "object"
 }
}''')
