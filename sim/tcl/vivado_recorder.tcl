# A recorder of the Vivado TCL commands nicsched's generated scripts use: each command is a proc
# that logs its call (one line, the command and its arguments separated by tabs) and returns a
# placeholder object. Commands that take files log a MISSING line for each file that does not
# exist. `source` really sources (logged and checked too), so included scripts are recorded.
#
#   tclsh sim/tcl/vivado_recorder.tcl <log> <script> [args passed as ::argv, like -tclargs]
#
# Used by test/lab-build.test.ts and test/lab-flash.test.ts; nothing here talks to Vivado.

set recorder_log [open [lindex $argv 0] w]
set recorder_script [lindex $argv 1]
set argv [lrange $argv 2 end]
set argc [llength $argv]

proc recorder_line {words} {
    puts $::recorder_log [join $words "\t"]
    flush $::recorder_log
}

proc recorder_check_file {path} {
    if {![file exists $path]} {
        recorder_line [list MISSING $path]
    }
}

# Commands that only log. The value is what the command returns.
set recorder_plain {
    create_project {}
    open_project {}
    close_project {}
    set_property {}
    import_ip {}
    launch_runs {}
    wait_on_run {}
    reset_run {}
    open_run {}
    synth_design {}
    opt_design {}
    place_design {}
    phys_opt_design {}
    route_design {}
    write_bitstream {}
    write_debug_probes {}
    write_cfgmem {}
    report_utilization {}
    report_timing_summary {}
    open_hw_manager {}
    close_hw_manager {}
    connect_hw_server {}
    disconnect_hw_server {}
    open_hw_target {}
    close_hw_target {}
    refresh_hw_device {}
    program_hw_devices {}
    boot_hw_device {}
    current_fileset sources_1
    current_design design_1
    current_hw_device hw_device_0
}
dict for {command value} $recorder_plain {
    proc $command {args} [format {
        recorder_line [concat %s $args]
        return %s
    } $command [list $value]]
}

# Queries return a token naming what they looked up.
foreach command {get_filesets get_ips get_runs get_hw_devices get_cells get_pins get_ports} {
    proc $command {args} [format {
        recorder_line [concat %s $args]
        return "<%s [join $args { }]>"
    } $command $command]
}

# Commands whose arguments are files: every non-option argument must exist.
proc add_files {args} {
    recorder_line [concat add_files $args]
    set skip 0
    foreach a $args {
        if {$skip} { set skip 0; continue }
        if {$a eq "-fileset" || $a eq "-of_objects"} { set skip 1; continue }
        if {[string match -* $a]} continue
        foreach path $a { recorder_check_file $path }
    }
}
foreach command {read_verilog read_xdc read_ip} {
    proc $command {args} [format {
        recorder_line [concat %s $args]
        foreach a $args {
            if {![string match -* $a]} { foreach path $a { recorder_check_file $path } }
        }
    } $command]
}

rename source recorder_real_source
proc source {file} {
    recorder_line [list source $file]
    recorder_check_file $file
    uplevel 1 [list recorder_real_source $file]
}

if {[catch {uplevel #0 [list source $recorder_script]} message options]} {
    recorder_line [list ERROR $message]
    close $recorder_log
    puts stderr $message
    exit 1
}
recorder_line [list END]
close $recorder_log
